"""Compile a flow spec, once, into one ``transitions`` machine shared by every conversation.

A conversation's state is a plain string in its stored record. To move it, the engine puts that
string on a throw-away :class:`Cursor` and fires the event on the shared machine
(``machine.events[name].trigger(cursor)``): no machine per person, no ``add_model``.

Beside the machine, :attr:`CompiledFlow.plain_moves` lists the moves it makes with nothing to
check or call on the way, read from the machine once it is built; those are looked up there,
every other move (one with conditions, or none) is fired on the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from transitions import EventData, Machine

from bot.engine.matcher import TriggerPattern, build_patterns
from bot.engine.schema import FlowSpec, StateSpec
from bot.model import ConversationRecord


# The allow-list of conditions (names in bot.engine.schema.ALLOWED_CONDITIONS) as real callables.
# Operator YAML never names a callable that is looked up by string.
@dataclass(slots=True)
class Cursor:
    """The light model a shared machine moves: one state string and the record it belongs to."""

    state: str
    record: ConversationRecord


def _record(event: EventData) -> ConversationRecord:
    cursor = event.model
    assert isinstance(cursor, Cursor)
    return cursor.record


_CONDITIONS: dict[str, Callable[[EventData], bool]] = {
    "country_known": lambda event: _record(event).country is not None,
    "country_unknown": lambda event: _record(event).country is None,
    "first_turn": lambda event: _record(event).turns <= 1,
}


@dataclass(frozen=True)
class CompiledFlow:
    """A validated flow, its shared machine and what the engine needs to answer quickly."""

    spec: FlowSpec
    version: str
    machine: Machine = field(repr=False)
    states: dict[str, StateSpec]
    patterns: tuple[TriggerPattern, ...]
    global_triggers: frozenset[str]
    commands: dict[str, str]
    # read from the machine as compiled (see plain_moves): nothing adds callbacks to it later
    plain_moves: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """The flow's name."""
        return self.spec.name

    def fire(self, state: str, trigger: str, record: ConversationRecord) -> str | None:
        """The state after ``trigger`` from ``state``, or ``None`` when no transition applies."""
        dest = self.plain_moves.get((state, trigger))
        if dest is not None:
            return dest  # where the machine's first transition leads, with nothing on the way
        event = self.machine.events.get(trigger)
        if event is None or state not in self.states:
            return None
        cursor = Cursor(state=state, record=record)
        if not event.trigger(cursor):
            return None
        return cursor.state


def plain_moves(machine: Machine) -> dict[tuple[str, str], str]:
    """``(state, trigger) -> dest`` for each move ``machine`` makes with nothing on the way.

    Firing an event tries its transitions from the state in order and takes the first whose
    conditions hold. When the first has no conditions, it is taken, and when neither it, its
    states nor the machine have a callback, taking it only sets the state to its ``dest``: that
    is all the lookup gives. A machine with any callback, or with queued events, gets no plain
    moves at all; a state without a transition for the event is not listed either (the machine
    ignores the event there).
    """
    callbacks = (
        machine.prepare_event,
        machine.before_state_change,
        machine.after_state_change,
        machine.finalize_event,
        machine.on_exception,
        machine.on_final,
    )
    states = machine.states.values()
    if machine.has_queue or any(callbacks) or any(s.on_enter or s.on_exit for s in states):
        return {}
    moves: dict[tuple[str, str], str] = {}
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():  # items(): a defaultdict
            first = transitions[0] if transitions else None
            if first is None or first.dest is None:
                continue
            if first.conditions or first.prepare or first.before or first.after:
                continue
            moves[(source, trigger)] = first.dest
    return moves


def compile_flow(spec: FlowSpec, version: str) -> CompiledFlow:
    """Build the one machine of ``spec``. The spec must already have passed the flow checks."""
    state_names = tuple(state.name for state in spec.states)
    transitions: list[dict[str, Any]] = [
        {
            "trigger": item.trigger,
            "source": list(item.sources(state_names)),
            "dest": item.dest,
            "conditions": [_CONDITIONS[name] for name in item.conditions],
            "unless": [_CONDITIONS[name] for name in item.unless],
        }
        for item in spec.transitions
    ]
    machine = Machine(
        model=None,
        states=list(state_names),
        transitions=transitions,
        initial=spec.initial,
        auto_transitions=False,
        ignore_invalid_triggers=True,
        send_event=True,
        name=spec.name,
    )
    global_triggers = frozenset(item.trigger for item in spec.transitions if item.source == "*")
    patterns = build_patterns(
        spec.name,
        ((name, trig.phrases, trig.keywords) for name, trig in spec.triggers.items()),
        by_meaning={name for name, trig in spec.triggers.items() if trig.by_meaning},
    )
    commands = {command: name for name, trig in spec.triggers.items() for command in trig.commands}
    return CompiledFlow(
        spec=spec,
        version=version,
        machine=machine,
        states={state.name: state for state in spec.states},
        patterns=patterns,
        global_triggers=global_triggers,
        commands=commands,
        plain_moves=plain_moves(machine),
    )
