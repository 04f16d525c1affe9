"""Conversation flows: operators' YAML flows loaded, checked, compiled and run per message.

:func:`load_flow_dir` reads and validates every flow file (:func:`flow_files` lists them);
:func:`check_paths` is ``crisisbot check``; :class:`FlowEngine` matches a message to a flow's
triggers and moves the person's record from state to state. Nothing here decides about crisis:
the core asks the engine only after the crisis gate has let a message through.
"""

from bot.engine.check import check_flows, check_paths
from bot.engine.compiler import CompiledFlow, compile_flow
from bot.engine.engine import BUTTON_PREFIX, FlowEngine, FlowStep, button_action
from bot.engine.graph import render_graph
from bot.engine.loader import LoadedFlow, flow_files, load_flow_dir, load_flow_file
from bot.engine.schema import FlowSpec, StateSpec

__all__ = [
    "BUTTON_PREFIX",
    "CompiledFlow",
    "FlowEngine",
    "FlowSpec",
    "FlowStep",
    "LoadedFlow",
    "StateSpec",
    "button_action",
    "check_flows",
    "check_paths",
    "compile_flow",
    "flow_files",
    "load_flow_dir",
    "load_flow_file",
    "render_graph",
]
