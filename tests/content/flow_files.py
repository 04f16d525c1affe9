"""The flow files as data, for the content tests: loaded once with PyYAML and the schema only.

Plain functions and constants rather than fixtures, because ``pytest.mark.parametrize`` needs the
states and triggers at collection time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.engine.schema import FlowSpec, StateSpec

ROOT = Path(__file__).resolve().parents[2]
FLOWS_DIR = ROOT / "flows"
CONTENT_DOC = ROOT / "docs" / "content.md"
ROUTING_CASES = Path(__file__).with_name("routing_cases.yaml")
FLOW_FILES = ("ketamine.yaml", "about.yaml")
ENTRY_FLOW = "ketamine"
MENU_STATES = ("menu", "more_topics")
BACK_TO_TOPICS = "menu"
REVIEW_DATE = "2026-11-27"

_WORD = re.compile(r"[^\W_]+(?:['’.,%-][^\W_]+)*")


@dataclass(frozen=True)
class StateRef:
    """One state of one flow, named ``flow/state`` in test ids."""

    flow: FlowSpec
    state: StateSpec

    def __str__(self) -> str:
        return f"{self.flow.name}/{self.state.name}"


@cache
def load_flow(file_name: str) -> FlowSpec:
    """The validated spec of ``flows/<file_name>``."""
    data = yaml.safe_load((FLOWS_DIR / file_name).read_text(encoding="utf-8"))
    return FlowSpec.model_validate(data)


@cache
def all_flows() -> tuple[FlowSpec, ...]:
    """Every flow file this content owns, validated."""
    return tuple(load_flow(name) for name in FLOW_FILES)


def flow_named(name: str) -> FlowSpec:
    """The flow called ``name``."""
    return next(flow for flow in all_flows() if flow.name == name)


def all_states() -> list[StateRef]:
    """Every state of every flow."""
    return [StateRef(flow, state) for flow in all_flows() for state in flow.states]


def educational_states() -> list[StateRef]:
    """The states that carry sources: the educational answers."""
    return [ref for ref in all_states() if ref.state.sources]


def rendered_text(state: StateSpec) -> str:
    """The message as the engine sends it: reply, then sources and review date when present."""
    text = state.reply.strip()
    if state.sources:
        text += "\n\nSources: " + "; ".join(state.sources)
    if state.reviewed is not None:
        text += f"\nReviewed: {state.reviewed.isoformat()}"
    return text


def all_texts() -> list[tuple[str, str]]:
    """Every piece of text a person can be shown, as ``(where, text)``: replies and fallbacks."""
    texts = [(str(ref), rendered_text(ref.state)) for ref in all_states()]
    texts += [(f"{flow.name}/fallback", flow.fallback) for flow in all_flows() if flow.fallback]
    texts += [
        (f"{ref}/button", button.label) for ref in all_states() for button in ref.state.buttons
    ]
    return texts


def word_count(text: str) -> int:
    """Words in ``text``; numbers such as ``11.5%`` count as one word."""
    return len(_WORD.findall(text))


def global_triggers(flow: FlowSpec) -> frozenset[str]:
    """Triggers of ``flow`` with a ``*``-sourced transition: reachable from any flow."""
    return frozenset(item.trigger for item in flow.transitions if item.source == "*")


def transition_sources(flow: FlowSpec, trigger: str) -> set[str]:
    """The states of ``flow`` from which ``trigger`` moves somewhere."""
    names = tuple(state.name for state in flow.states)
    return {
        source
        for item in flow.transitions
        if item.trigger == trigger
        for source in item.sources(names)
    }


def load_routing_cases() -> list[dict[str, str]]:
    """The ``(question, flow, expected_state)`` cases of routing_cases.yaml."""
    cases = yaml.safe_load(ROUTING_CASES.read_text(encoding="utf-8"))
    assert isinstance(cases, list), "routing_cases.yaml must be a list of mappings"
    return cases
