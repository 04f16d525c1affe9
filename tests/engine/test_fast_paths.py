"""The engine's quick ways answer exactly as the slow ones they stand beside.

The plain-move lookup against firing the ``transitions`` machine, the joint trigger index against
each flow's own index, and a remembered rendering against a fresh one.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from transitions import Machine

from bot.engine.compiler import CompiledFlow, Cursor, compile_flow, plain_moves
from bot.engine.engine import FlowEngine
from bot.engine.loader import load_flow_file
from bot.engine.matcher import JointIndex, TriggerIndex
from bot.model import ConversationRecord
from tests.content.flow_files import ENTRY_FLOW, all_flows, load_routing_cases

DATA = Path(__file__).parent / "data"


def _flows() -> list[CompiledFlow]:
    content = [compile_flow(spec, "test") for spec in all_flows()]
    return [*content, compile_flow(load_flow_file(DATA / "good_flow.yaml").spec, "test")]


def _records() -> list[ConversationRecord]:
    base = ConversationRecord("t", "ketamine", "test", "menu", 0.0, 0.0)
    return [
        base.with_changes(turns=turns, country=country)
        for turns, country in itertools.product((0, 1, 2), (None, "DE"))
    ]


def _machine_fire(
    flow: CompiledFlow, state: str, trigger: str, record: ConversationRecord
) -> str | None:
    """What firing the event on the machine gives (CompiledFlow.fire without the lookup)."""
    event = flow.machine.events.get(trigger)
    if event is None or state not in flow.states:
        return None
    cursor = Cursor(state=state, record=record)
    return cursor.state if event.trigger(cursor) else None


@pytest.mark.parametrize("flow", _flows(), ids=lambda flow: flow.name)
def test_every_move_is_the_machines(flow: CompiledFlow) -> None:
    triggers = [*flow.machine.events, "no_such_trigger"]
    for state, trigger, record in itertools.product(
        [*flow.states, "no_such_state"], triggers, _records()
    ):
        expected = _machine_fire(flow, state, trigger, record)
        assert flow.fire(state, trigger, record) == expected, (state, trigger, record)


def test_a_move_with_conditions_is_left_to_the_machine() -> None:
    flow = compile_flow(load_flow_file(DATA / "good_flow.yaml").spec, "test")
    assert flow.plain_moves[("menu", "what")] == "what"
    assert ("effects", "done") not in flow.plain_moves  # unless/conditions: first_turn
    first, later = (r for r in _records() if r.country is None and r.turns in (1, 2))
    assert flow.fire("effects", "done", first) == "menu"
    assert flow.fire("effects", "done", later) == "goodbye"


def test_a_state_without_the_event_is_not_listed() -> None:
    flow = compile_flow(load_flow_file(DATA / "good_flow.yaml").spec, "test")
    assert ("goodbye", "what") not in flow.plain_moves
    assert "goodbye" not in flow.machine.events["what"].transitions  # the lookup added none


def test_a_machine_with_any_callback_has_no_plain_moves() -> None:
    def machine(**callbacks: object) -> Machine:
        return Machine(
            model=None,
            states=["a", "b"],
            transitions=[{"trigger": "go", "source": "a", "dest": "b"}],
            initial="a",
            auto_transitions=False,
            **callbacks,
        )

    assert plain_moves(machine()) == {("a", "go"): "b"}
    assert plain_moves(machine(after_state_change=[print])) == {}
    assert plain_moves(machine(queued=True)) == {}
    with_exit = machine()
    with_exit.get_state("a").add_callback("exit", print)
    assert plain_moves(with_exit) == {}
    with_before = machine()
    with_before.events["go"].add_callback("before", print)
    assert plain_moves(with_before) == {}


def _texts() -> list[str]:
    cases = [str(case["question"]) for case in load_routing_cases()]
    typos = ["how much dose it cots", "side efects of ketamin", "spravto aproval", "what is"]
    return [*cases, *typos, "", "   ", "¿cuánto cuesta una infusión?", "menu menu menu"]


def test_the_joint_index_answers_as_each_index() -> None:
    flows = _flows()
    views = {flow.name: flow.patterns for flow in flows}
    everything = tuple(pattern for flow in flows for pattern in flow.patterns)
    views["all"] = everything
    views["reversed"] = everything[::-1]  # ties go to the first of each view
    joint = JointIndex(views)
    indexes = {name: TriggerIndex(patterns) for name, patterns in views.items()}
    names = list(views)
    for text in _texts():
        assert joint.best(text, names) == [indexes[name].best(text) for name in names], text


def test_a_remembered_rendering_is_a_fresh_one() -> None:
    engine = FlowEngine([compile_flow(spec, "test") for spec in all_flows()], ENTRY_FLOW)
    for flow in engine.flows.values():
        for state in flow.states:
            assert engine.render(flow, state) == engine._render(flow, state)
            assert engine.render(flow, state) is engine.render(flow, state)
