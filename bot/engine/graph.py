"""Diagrams of a flow: Mermaid text always, SVG or PNG when Graphviz is installed.

The Mermaid text is written here rather than by ``transitions``' ``GraphMachine``: its Mermaid
engine draws a ``*`` transition as one edge from every state (N edges per global trigger) and adds
the styling of a live machine's current state. Here a ``*`` transition is drawn once, from an
"any state" pseudo node, and the output depends on nothing but the flow, in file order, so it can
be committed beside the flow and compared in tests.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from bot.engine.schema import FlowSpec, TransitionSpec
from bot.errors import CrisisbotError

ANY_STATE = "ANY"  # state names are lower-case, so upper-case ids never clash with them
GRAPHVIZ_FORMATS = ("svg", "png")
_INSTALL_GRAPHVIZ = (
    "install Graphviz to draw {fmt}: the program (apt-get install graphviz, or brew install "
    "graphviz) and its Python package (.venv/bin/pip install graphviz); "
    "--format mmd works without it"
)
# Words Mermaid's state diagram grammar reads as keywords; such state names get a prefixed id.
_MERMAID_WORDS = frozenset({"as", "class", "classdef", "default", "direction", "end", "note"})
_MERMAID_WORDS |= frozenset({"of", "left", "right", "state", "style", "click", "hide"})


class GraphRenderError(CrisisbotError):
    """A flow diagram cannot be drawn in the asked format here; the message says what to do."""


def _node_id(state: str) -> str:
    return f"S_{state}" if state in _MERMAID_WORDS else state


def _flow_node(flow: str) -> str:
    return f"FLOW_{flow}"


def _label(transition: TransitionSpec) -> str:
    guards = [f"if {name}" for name in transition.conditions]
    guards += [f"unless {name}" for name in transition.unless]
    return transition.trigger + (f" ({', '.join(guards)})" if guards else "")


def _edges(flow: FlowSpec) -> list[tuple[str, str, str]]:
    """``(from, to, label)`` in file order: transitions, then buttons into other flows."""
    edges: list[tuple[str, str, str]] = []
    for item in flow.transitions:
        dest = _node_id(item.dest)
        if item.source == "*":
            edges.append((ANY_STATE, dest, _label(item)))
        else:
            edges += [(_node_id(s), dest, _label(item)) for s in item.sources(())]
    for state in flow.states:
        for button in state.buttons:
            if button.flow is not None and button.flow != flow.name:
                edges.append((_node_id(state.name), _flow_node(button.flow), button.trigger))
    return list(dict.fromkeys(edges))  # the same edge twice is drawn once


def flow_to_mermaid(flow: FlowSpec) -> str:
    """The flow as a Mermaid ``stateDiagram-v2``; the same flow always gives the same text."""
    lines = ["---", f"title: {json.dumps(flow.title, ensure_ascii=False)}", "---"]
    lines += ["stateDiagram-v2", f"    %% flow {flow.name}, drawn by crisisbot graph"]
    declared: set[str] = set()
    for state in flow.states:
        if state.name not in declared:
            declared.add(state.name)
            lines.append(f'    state "{state.name}" as {_node_id(state.name)}')
    has_any = any(item.source == "*" for item in flow.transitions)
    if has_any:
        lines.append(f'    state "any state" as {ANY_STATE}')
    others = sorted({b.flow for s in flow.states for b in s.buttons if b.flow} - {flow.name})
    lines += [f'    state "{other} (flow)" as {_flow_node(other)}' for other in others]
    lines.append(f"    [*] --> {_node_id(flow.initial)}")
    lines += [f"    {source} --> {dest}: {label}" for source, dest, label in _edges(flow)]
    lines += [f"    {_node_id(s.name)} --> [*]" for s in flow.states if s.final]
    if has_any:
        lines.append("    classDef anyState fill:#f4f4f4,stroke-dasharray:5 5")
        lines.append(f"    class {ANY_STATE} anyState")
    if others:
        lines.append("    classDef otherFlow fill:#eef4ff")
        lines.append(f"    class {','.join(_flow_node(o) for o in others)} otherFlow")
    return "\n".join(lines) + "\n"


def flow_to_dot(flow: FlowSpec) -> str:
    """The same diagram in Graphviz DOT, for SVG and PNG."""

    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    lines = [f"digraph {quoted(flow.name)} {{", f"  label={quoted(flow.title)};", "  rankdir=LR;"]
    lines.append('  labelloc=t; fontname="Helvetica";')
    lines.append('  node [shape=box, style=rounded, fontname="Helvetica"];')
    lines.append('  edge [fontname="Helvetica", fontsize=10];')
    lines.append('  START [shape=point, label=""];')
    for state in flow.states:
        shape = ", peripheries=2" if state.final else ""
        lines.append(f"  {quoted(_node_id(state.name))} [label={quoted(state.name)}{shape}];")
    if any(item.source == "*" for item in flow.transitions):
        lines.append(f'  {quoted(ANY_STATE)} [label="any state", style="rounded,dashed"];')
    for other in sorted({b.flow for s in flow.states for b in s.buttons if b.flow}):
        if other != flow.name:
            lines.append(f"  {quoted(_flow_node(other))} [label={quoted(other + ' (flow)')}];")
    lines.append(f"  START -> {quoted(_node_id(flow.initial))};")
    for source, dest, label in _edges(flow):
        lines.append(f"  {quoted(source)} -> {quoted(dest)} [label={quoted(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _graphviz(fmt: str) -> Any:
    try:
        return importlib.import_module("graphviz")
    except ImportError:
        raise GraphRenderError(_INSTALL_GRAPHVIZ.format(fmt=fmt)) from None


def render_graph(flow: FlowSpec, fmt: str, out: Path) -> None:
    """Write the flow's diagram to ``out`` as ``mmd`` (Mermaid text), ``svg`` or ``png``.

    SVG and PNG need Graphviz; without it :class:`GraphRenderError` says how to install it.
    """
    if fmt == "mmd":
        drawn = flow_to_mermaid(flow).encode("utf-8")
    elif fmt in GRAPHVIZ_FORMATS:
        graphviz = _graphviz(fmt)
        try:
            drawn = graphviz.Source(flow_to_dot(flow)).pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            raise GraphRenderError(_INSTALL_GRAPHVIZ.format(fmt=fmt)) from None
    else:
        raise GraphRenderError(f"unknown diagram format {fmt!r}; use mmd, svg or png")
    try:
        out.write_bytes(drawn)
    except OSError as error:
        reason = error.strerror or str(error)
        raise GraphRenderError(f"cannot write {out} ({reason}); check the output path") from None
