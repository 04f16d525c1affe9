"""The shared vocabulary at the bottom: what comes in, what goes out, what is remembered.

Every layer may import this module; it imports nothing of the bot and knows nothing of Telegram.
The Telegram layer builds an :class:`Inbound` from an update and sends the :class:`Reply` objects
it gets back; the terminal chat and ``crisisbot triage`` do the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from operator import attrgetter
from typing import Any, Self, TypeVar

# Button actions: what a pressed button sends back. Each owner parses its own prefix.
SYSTEM_PREFIX = "sys:"  # system actions (crisis lines, country, a human, forget, check-in answers)
FLOW_PREFIX = "f:"  # a flow topic: ``f:<flow>:<trigger>``
MODERATION_PREFIX = "mod:"  # a moderator's case action: ``mod:<action>:<case>``

# Telegram's limits, the one place they are written: flows are checked against them at load and
# the sender shapes every message to them.
MESSAGE_LIMIT = 4096  # the longest message, in UTF-16 code units
CALLBACK_DATA_LIMIT = 64  # the longest button action, in bytes
BUTTON_LABEL_LIMIT = 64  # crisisbot's own bound on a flow button's label, in UTF-8 bytes

SYSTEM_COMMANDS = frozenset({"crisis", "country", "language", "human", "privacy", "forget", "stop"})
"""Commands the core answers itself; no flow may use them as a trigger."""


class Route(StrEnum):
    """Which path through the core produced a reply."""

    ANSWER = "answer"
    CRISIS = "crisis"
    MEDICAL_ADVICE = "medical_advice"
    FALLBACK = "fallback"
    SYSTEM = (
        "system"  # /privacy, /country, /forget and similar: no flow content, no treatment content
    )
    HANDOFF = "handoff"  # relayed to a human on the team
    CHECK_IN = "check_in"  # the gate is unsure: a direct, kind question with the crisis lines


class GateOutcome(StrEnum):
    """The crisis gate's three outcomes for one message."""

    CRISIS = "crisis"  # crisis lines and a person now
    CHECK_IN = "check_in"  # unsure: ask directly whether the person is thinking of suicide
    CLEAR = "clear"  # nothing of risk found


class Event(StrEnum):
    """Something the core did for one inbound that others act on (moderation, storage, metrics)."""

    CRISIS_OPENED = "crisis_opened"  # crisis mode began: a case opens, the moderators are alerted
    CRISIS_RAISED = "crisis_raised"  # the risk level went up while in crisis mode
    CRISIS_SIGNAL = "crisis_signal"  # another crisis signal while in crisis mode
    CRISIS_COOLED_DOWN = "crisis_cooled_down"  # crisis mode ended after the quiet period
    HUMAN_REQUESTED = "human_requested"  # the person asked for a person from the team
    RELAY = "relay"  # in a handoff: what the person wrote goes to the moderators' chat
    FORGET = "forget"  # the person confirmed /forget: their record is deleted
    FLOW_RESTARTED = "flow_restarted"  # the record's flow or state no longer exists
    CHECK_IN_ASKED = "check_in_asked"
    CHECK_IN_STALE = "check_in_stale"  # a check-in button from an earlier question
    CHECK_IN_YES = "check_in_yes"  # the check-in's answers, one per answer the core reads
    CHECK_IN_NOT_SURE = "check_in_not_sure"
    CHECK_IN_REFUSED = "check_in_refused"
    CHECK_IN_NO = "check_in_no"
    CHECK_IN_EXPIRED = "check_in_expired"
    CHECK_IN_UNANSWERED = "check_in_unanswered"  # the person wrote on without answering


class Risk(StrEnum):
    """Crisis risk level; the route stays ``crisis``, the level sets emphasis and priority."""

    CONCERN = "concern"
    HIGH = "high"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        """Higher is more urgent: concern 1, high 2, imminent 3."""
        return _RISK_RANK[self]


_RISK_RANK = {Risk.CONCERN: 1, Risk.HIGH: 2, Risk.IMMINENT: 3}


class InboundKind(StrEnum):
    """Where a piece of user text came from. Every kind passes the crisis gate."""

    TEXT = "text"
    EDIT = "edit"
    CAPTION = "caption"
    COMMAND = "command"
    BUTTON = "button"
    NON_TEXT = "non_text"  # a sticker, voice note, photo without caption: nothing to read


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person sent, already stripped of its transport.

    ``text`` is what the person wrote (for a command, its arguments; for a button, its label when
    known). ``command`` is the command name without the slash; ``button`` is the button's payload.
    """

    conversation_id: str
    kind: InboundKind
    text: str = ""
    command: str | None = None
    button: str | None = None
    language_code: str | None = None
    country: str | None = None
    received_at: float = 0.0
    update_id: int | None = None

    def gate_text(self) -> str:
        """All person-written text in this inbound, for the crisis gate (commands included)."""
        if not self.command:  # most inbounds: the text alone
            return self.text.strip()
        parts = [self.command or "", self.text]
        return " ".join(part for part in parts if part).strip()


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a reply: ``label`` shown to the person, ``action`` sent back when pressed."""

    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send to the person."""

    text: str
    buttons: tuple[Button, ...] = ()

    def full_text(self) -> str:
        """The text with button labels, as ``crisisbot triage`` reports it."""
        if not self.buttons:
            return self.text
        labels = " | ".join(f"[{button.label}]" for button in self.buttons)
        return f"{self.text}\n{labels}"


@dataclass(frozen=True, slots=True)
class Signal:
    """A remembered risk signal from an earlier turn: when, what kind, how much it weighs."""

    at: float
    kind: str
    weight: float


@dataclass(frozen=True, slots=True)
class CrisisState:
    """Crisis mode of a conversation: sticky until a moderator resolves it or the cool-down ends."""

    since: float
    risk: Risk
    category: str
    rule: str
    last_signal_at: float
    replies_sent: int = 0

    def with_changes(self, **changes: Any) -> Self:
        """A copy with the given fields replaced, as ``dataclasses.replace`` makes it (without its
        checks of each field: every crisis reply copies the state)."""
        return _replaced(self, _CRISIS_LAYOUT, changes)


@dataclass(frozen=True, slots=True)
class PendingCheckIn:
    """A check-in question waiting for its answer, and what the message would have got instead.

    Nothing the person wrote is kept: only where their message would have led (``answer`` is the
    route it would have taken; ``flow``, ``state`` and ``trigger`` for a flow answer; ``reason``
    and ``trigger`` for the medical-advice reply) and whether it asked about means, which never
    gets a topic answer.
    """

    asked_at: float
    ref: int  # the turn that asked; check-in buttons carry it, so a stale press is recognised
    answer: str = "fallback"  # Route value: answer, medical_advice or fallback
    means: bool = False
    flow: str | None = None
    state: str | None = None
    trigger: str | None = None
    reason: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingCheckIn:
        """Rebuild from :func:`dataclasses.asdict` output."""
        return cls(
            asked_at=float(data["asked_at"]),
            ref=int(data["ref"]),
            answer=str(data.get("answer", "fallback")),
            means=bool(data.get("means", False)),
            flow=_optional_str(data.get("flow")),
            state=_optional_str(data.get("state")),
            trigger=_optional_str(data.get("trigger")),
            reason=_optional_str(data.get("reason")),
        )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _flat(instance: Any) -> dict[str, Any]:
    """A dataclass of plain values (no nested dataclasses) as a dict, fields in order."""
    return {name: getattr(instance, name) for name in instance.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """The small serialisable record kept per conversation and written on every update."""

    conversation_id: str
    flow: str
    flow_version: str
    state: str
    created_at: float
    updated_at: float
    country: str | None = None
    language_code: str | None = None
    language: str | None = None  # chosen with /language; wins over everything else
    detected_language: str | None = None  # what the person's messages are written in (sticky)
    language_candidate: str | None = None  # a different language seen lately, not yet adopted
    language_streak: int = 0  # confident messages in a row in ``language_candidate``
    crisis: CrisisState | None = None
    signals: tuple[Signal, ...] = ()
    handoff_case: int | None = None
    turns: int = 0
    check_in: PendingCheckIn | None = None  # a check-in question waiting for its answer

    def with_changes(self, **changes: Any) -> Self:
        """A copy with the given fields replaced, as ``dataclasses.replace`` makes it (the core
        copies a record a few times per message, and ``replace`` checks every field each time)."""
        return _replaced(self, _RECORD_LAYOUT, changes)

    def end_crisis(self) -> Self:
        """Crisis mode and any handoff off (a moderator resolved the case); signals are kept."""
        return replace(self, crisis=None, handoff_case=None)

    def after_forget(self) -> Self | None:
        """What ``/forget`` keeps of this record: nothing, or crisis mode while it lasts.

        Safety before privacy: a person in crisis mode who erases their data still gets no
        ketamine or treatment content until the cool-down ends, and still gets the lines of the
        country they chose. Everything else (signals, languages, turns, the handoff, a pending
        check-in) goes.
        """
        if self.crisis is None:
            return None
        return type(self)(
            conversation_id=self.conversation_id,
            flow=self.flow,
            flow_version=self.flow_version,
            state=self.state,
            created_at=self.updated_at,
            updated_at=self.updated_at,
            country=self.country,
            crisis=self.crisis,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back.

        The same dict as ``dataclasses.asdict``, built field by field: it is written on every
        update, and ``asdict``'s recursive deep copy cost a third of the service's write.
        """
        data = {name: getattr(self, name) for name in _RECORD_FIELDS}
        if self.crisis is not None:
            data["crisis"] = _flat(self.crisis)
        data["signals"] = tuple(_flat(signal) for signal in self.signals)
        if self.check_in is not None:
            data["check_in"] = _flat(self.check_in)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild a record written by :meth:`to_dict` (unknown keys are ignored)."""
        crisis = data.get("crisis")
        check_in = data.get("check_in")
        return cls(
            conversation_id=str(data["conversation_id"]),
            flow=str(data["flow"]),
            flow_version=str(data["flow_version"]),
            state=str(data["state"]),
            created_at=float(data["created_at"]),
            updated_at=float(data["updated_at"]),
            country=data.get("country"),
            language_code=data.get("language_code"),
            language=data.get("language"),
            detected_language=data.get("detected_language"),
            language_candidate=data.get("language_candidate"),
            language_streak=int(data.get("language_streak", 0)),
            crisis=None
            if crisis is None
            else CrisisState(
                since=float(crisis["since"]),
                risk=Risk(crisis["risk"]),
                category=str(crisis["category"]),
                rule=str(crisis["rule"]),
                last_signal_at=float(crisis["last_signal_at"]),
                replies_sent=int(crisis.get("replies_sent", 0)),
            ),
            signals=tuple(
                Signal(at=float(s["at"]), kind=str(s["kind"]), weight=float(s["weight"]))
                for s in data.get("signals", ())
            ),
            handoff_case=data.get("handoff_case"),
            turns=int(data.get("turns", 0)),
            check_in=None if check_in is None else PendingCheckIn.from_dict(check_in),
        )


#: The record's fields, in order (what :meth:`ConversationRecord.to_dict` writes).
_RECORD_FIELDS = tuple(ConversationRecord.__dataclass_fields__)

_Copied = TypeVar("_Copied")


@dataclass(frozen=True, slots=True)
class _Layout:
    """How to copy one kind of frozen dataclass fast: its values in field order, and where each
    field stands among them (every field here is an ``__init__`` argument in that order)."""

    values: Callable[[Any], tuple[Any, ...]]
    positions: dict[str, int]

    @classmethod
    def of(cls, names: tuple[str, ...]) -> _Layout:
        """The layout of a dataclass with the fields ``names`` (two or more), in order."""
        return cls(attrgetter(*names), {name: number for number, name in enumerate(names)})


def _replaced(instance: _Copied, layout: _Layout, changes: dict[str, Any]) -> _Copied:
    """``dataclasses.replace(instance, **changes)`` without its checks of each field: the values
    are read in one call and passed to ``__init__`` by position."""
    values = list(layout.values(instance))
    for name, value in changes.items():
        position = layout.positions.get(name)
        if position is None:
            raise TypeError(f"{type(instance).__name__} has no field {name!r}")
        values[position] = value
    return type(instance)(*values)


_RECORD_LAYOUT = _Layout.of(_RECORD_FIELDS)
_CRISIS_LAYOUT = _Layout.of(tuple(CrisisState.__dataclass_fields__))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the core decided for one inbound: the replies to send and why."""

    route: Route
    replies: tuple[Reply, ...]
    record: ConversationRecord
    risk: Risk | None = None
    category: str | None = None
    rule: str | None = None
    events: tuple[Event, ...] = field(default=())
    trigger: str | None = None  # the flow trigger that fired, for answers
    detectors: frozenset[str] = frozenset()  # which of the gate's detectors spoke (for eval)

    def with_detectors(self, detectors: frozenset[str]) -> Outcome:
        """This outcome naming the gate's detectors that spoke (``replace`` without its checks of
        every field: the core does this once per message)."""
        return _replaced(self, _OUTCOME_LAYOUT, {"detectors": detectors})


_OUTCOME_LAYOUT = _Layout.of(tuple(Outcome.__dataclass_fields__))
