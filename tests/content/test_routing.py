"""Ordinary questions land on the intended topic, wherever the conversation currently is.

Drives the real flow engine (compiled from flows/*.yaml) with the cases in routing_cases.yaml.
Each case is tried from the menu, from inside the about flow (whose own triggers are matched
first there) and from a topic page, so a greedy trigger anywhere shows up here.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from bot.engine.compiler import compile_flow
from bot.engine.engine import FlowEngine
from bot.model import ConversationRecord, Route
from tests.content.flow_files import ENTRY_FLOW, all_flows, load_routing_cases

MIN_CASES_PER_STATE = 3
CASES = load_routing_cases()
STARTS = [("ketamine", "menu"), ("about", "greeting"), ("ketamine", "side_effects")]


@cache
def engine() -> FlowEngine:
    """One engine over the content's flows."""
    return FlowEngine([compile_flow(flow, "test") for flow in all_flows()], ENTRY_FLOW)


def record_at(flow: str, state: str) -> ConversationRecord:
    """A conversation currently at ``flow``/``state``."""
    return ConversationRecord(
        conversation_id="routing-test",
        flow=flow,
        flow_version="test",
        state=state,
        created_at=0.0,
        updated_at=0.0,
    )


def test_cases_name_existing_states() -> None:
    states = {(flow.name, state.name) for flow in all_flows() for state in flow.states}
    unknown = [case for case in CASES if (case["flow"], case["expected_state"]) not in states]
    assert unknown == []


def test_every_state_reached_by_text_has_enough_cases() -> None:
    per_state = Counter((case["flow"], case["expected_state"]) for case in CASES)
    thin = [
        (flow.name, item.dest)
        for flow in all_flows()
        for item in flow.transitions
        if (flow.triggers[item.trigger].phrases or flow.triggers[item.trigger].keywords)
        and per_state[(flow.name, item.dest)] < MIN_CASES_PER_STATE
    ]
    assert thin == []


def test_questions_are_not_repeated() -> None:
    counts = Counter(case["question"].casefold() for case in CASES)
    assert [question for question, count in counts.items() if count > 1] == []


@pytest.mark.parametrize("start", STARTS, ids=lambda start: "from-" + "/".join(start))
@pytest.mark.parametrize("case", CASES, ids=lambda case: case["question"])
def test_question_lands_on_its_topic(case: dict[str, str], start: tuple[str, str]) -> None:
    step = engine().on_text(record_at(*start), case["question"])
    assert step.route is Route.ANSWER
    assert (step.record.flow, step.record.state) == (case["flow"], case["expected_state"])
