"""Conversation tests written by operators: YAML files in ``flows/tests/``, run by
``crisisbot test-flows``.

A file lists turns and what to expect after each::

    name: the menu leads to a topic
    country: US                      # optional; the crisis lines to expect
    turns:
      - command: start
        expect: {state: menu, route: answer}
      - press: How it works          # a button label of the previous reply
        expect: {state: how_it_works, contains: [NMDA], not_contains: [mg]}
      - say: I want to die
        expect: {route: crisis, contains: ["988"]}

Each file is one conversation through the real core (gate, guard and flows). The runner reports
every failed expectation with its file and turn, and which transitions of each flow were used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from bot.core.pipeline import Core
from bot.engine.loader import load_yaml_document
from bot.errors import Diagnostic, FlowError
from bot.model import ConversationRecord, Inbound, InboundKind, Outcome
from bot.safe_yaml import StrictModel

Text = Annotated[str, StringConstraints(min_length=1)]


class Expect(StrictModel):
    """What must hold after a turn; every key is optional."""

    state: str | None = None
    flow: str | None = None
    route: str | None = None
    risk: str | None = None
    contains: tuple[Text, ...] = ()
    not_contains: tuple[Text, ...] = ()
    buttons: tuple[Text, ...] = ()


class Turn(StrictModel):
    """One thing the person does: ``say`` text, ``press`` a button label, or a ``command``."""

    say: str | None = None
    press: str | None = None
    command: str | None = None
    after_minutes: float = Field(default=1.0, ge=0)
    expect: Expect = Expect()

    @model_validator(mode="after")
    def _one_action(self) -> Turn:
        given = [name for name in ("say", "press", "command") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("each turn needs exactly one of say, press or command")
        return self


class ConversationTest(StrictModel):
    """One test file."""

    name: Text
    country: str | None = None
    language_code: str | None = None
    turns: tuple[Turn, ...] = Field(min_length=1)


@dataclass
class Failure:
    """One expectation that did not hold."""

    path: Path
    turn: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}: turn {self.turn}: {self.message}"


@dataclass
class Report:
    """Results of a run: failures and, per flow, the transitions used."""

    files: int = 0
    turns: int = 0
    failures: list[Failure] = field(default_factory=list)
    used: dict[str, set[int]] = field(default_factory=dict)


def load_test(path: Path) -> ConversationTest:
    """Read and validate one test file; :class:`FlowError` with the position of each problem."""
    _, data, index = load_yaml_document(path, expected="name, turns")
    try:
        return ConversationTest.model_validate(data)
    except ValidationError as error:
        raise FlowError(
            [
                Diagnostic(
                    str(path),
                    *index.locate(tuple(item["loc"])),
                    f"{'.'.join(str(part) for part in item['loc']) or 'file'}: {item['msg']}",
                )
                for item in error.errors(include_url=False)
            ]
        ) from None


def run_tests(core: Core, paths: Sequence[Path]) -> Report:
    """Run every test file through ``core``."""
    report = Report(used={name: set() for name in core.engine.flows})
    for path in paths:
        test = load_test(path)
        report.files += 1
        _run_one(core, path, test, report)
    return report


def coverage_lines(core: Core, report: Report) -> list[str]:
    """``flow: used/total transitions`` per flow."""
    lines = []
    for name, flow in sorted(core.engine.flows.items()):
        total = len(flow.spec.transitions)
        used = len(report.used.get(name, ()))
        percent = f"{used / total:.0%}" if total else "n/a"
        lines.append(f"{name}: {used}/{total} transitions exercised ({percent})")
    return lines


def _run_one(core: Core, path: Path, test: ConversationTest, report: Report) -> None:
    record: ConversationRecord | None = None
    clock = 1_000_000.0
    buttons: dict[str, str] = {}
    for number, turn in enumerate(test.turns, 1):
        report.turns += 1
        clock += turn.after_minutes * 60
        inbound = _inbound(path, turn, buttons, clock, test)
        if inbound is None:
            report.failures.append(
                Failure(path, number, f"no button {turn.press!r}; buttons were {sorted(buttons)}")
            )
            return
        before = record
        outcome = core.process(record, inbound)
        record = outcome.record
        _note_transition(core, before, outcome, report)
        report.failures.extend(Failure(path, number, m) for m in _check(turn.expect, outcome))
        buttons = {b.label: b.action for reply in outcome.replies for b in reply.buttons}


def _inbound(
    path: Path, turn: Turn, buttons: dict[str, str], clock: float, test: ConversationTest
) -> Inbound | None:
    key = f"flowtest:{path.name}"
    common = {"received_at": clock, "country": test.country, "language_code": test.language_code}
    if turn.press is not None:
        action = buttons.get(turn.press)
        if action is None:
            return None
        return Inbound(key, InboundKind.BUTTON, text=turn.press, button=action, **common)  # type: ignore[arg-type]
    if turn.command is not None:
        name, _, args = turn.command.lstrip("/").partition(" ")
        return Inbound(key, InboundKind.COMMAND, command=name, text=args, **common)  # type: ignore[arg-type]
    return Inbound(key, InboundKind.TEXT, text=turn.say or "", **common)  # type: ignore[arg-type]


def _check(expect: Expect, outcome: Outcome) -> list[str]:
    text = "\n".join(reply.full_text() for reply in outcome.replies)
    labels = [b.label for reply in outcome.replies for b in reply.buttons]
    got = {
        "state": outcome.record.state,
        "flow": outcome.record.flow,
        "route": outcome.route.value,
        "risk": outcome.risk.value if outcome.risk else None,
    }
    problems = [
        f"expected {key} {wanted!r}, got {got[key]!r}"
        for key, wanted in (
            ("state", expect.state),
            ("flow", expect.flow),
            ("route", expect.route),
            ("risk", expect.risk),
        )
        if wanted is not None and got[key] != wanted
    ]
    lowered = text.casefold()
    excerpt = text[:160].replace("\n", " ")
    problems += [
        f"reply does not contain {needle!r}; it begins: {excerpt!r}"
        for needle in expect.contains
        if needle.casefold() not in lowered
    ]
    problems += [
        f"reply contains {needle!r}, which it must not"
        for needle in expect.not_contains
        if needle.casefold() in lowered
    ]
    problems += [
        f"no button {label!r}; buttons: {labels}" for label in expect.buttons if label not in labels
    ]
    return problems


def _note_transition(
    core: Core, before: ConversationRecord | None, outcome: Outcome, report: Report
) -> None:
    after = outcome.record
    flow = core.engine.flows.get(after.flow)
    if flow is None or outcome.trigger is None:
        return
    source = before.state if before is not None and before.flow == after.flow else None
    states = tuple(flow.states)
    for index, transition in enumerate(flow.spec.transitions):
        if transition.trigger != outcome.trigger or transition.dest != after.state:
            continue
        if transition.source == "*" or source in transition.sources(states):
            report.used.setdefault(flow.name, set()).add(index)
            return
