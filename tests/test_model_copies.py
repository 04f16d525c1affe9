"""The model's fast copies give exactly what ``dataclasses.replace`` gives."""

from __future__ import annotations

import dataclasses

import pytest

from bot.model import (
    ConversationRecord,
    CrisisState,
    Event,
    Outcome,
    PendingCheckIn,
    Reply,
    Risk,
    Route,
    Signal,
)


def _record() -> ConversationRecord:
    return ConversationRecord(
        conversation_id="tg:7",
        flow="ketamine",
        flow_version="v3",
        state="cost",
        created_at=10.0,
        updated_at=20.0,
        country="DE",
        language_code="de",
        detected_language="de",
        language_streak=1,
        crisis=CrisisState(11.0, Risk.HIGH, "ideation", "rule.x", last_signal_at=12.0),
        signals=(Signal(at=12.0, kind="unsure", weight=0.5),),
        turns=4,
        check_in=PendingCheckIn(asked_at=13.0, ref=3),
    )


def test_every_field_is_an_init_argument_in_order() -> None:
    """The copies pass the values by position, which needs exactly this."""
    for cls in (ConversationRecord, Outcome, CrisisState):
        fields = dataclasses.fields(cls)
        assert all(field.init and not field.kw_only for field in fields)
        assert len(fields) == len(cls.__dataclass_fields__)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"state": "menu"},
        {"updated_at": 30.0, "turns": 5, "language_code": None, "country": "AT"},
        {"crisis": None, "signals": (), "check_in": None, "handoff_case": 9},
        dict.fromkeys(("country", "language", "detected_language")),
    ],
)
def test_record_with_changes_is_replace(changes: dict[str, object]) -> None:
    record = _record()
    copied = record.with_changes(**changes)
    expected = dataclasses.replace(record, **changes)  # type: ignore[arg-type]
    assert copied == expected
    assert all(getattr(copied, name) is getattr(expected, name) for name in changes)
    assert copied is not record


def test_record_with_an_unknown_field_fails() -> None:
    with pytest.raises(TypeError, match="no field 'mood'"):
        _record().with_changes(mood="fine")


def test_outcome_with_detectors_is_replace() -> None:
    outcome = Outcome(
        Route.ANSWER,
        (Reply("text"),),
        _record(),
        risk=Risk.CONCERN,
        category="c",
        rule="r",
        events=(Event.FLOW_RESTARTED,),
        trigger="cost",
    )
    detectors = frozenset({"lexicon", "semantic"})
    assert outcome.with_detectors(detectors) == dataclasses.replace(outcome, detectors=detectors)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"replies_sent": 3},
        {"last_signal_at": 40.0},
        {"risk": Risk.IMMINENT, "category": "means", "rule": "r.y", "last_signal_at": 41.0},
    ],
)
def test_crisis_state_with_changes_is_replace(changes: dict[str, object]) -> None:
    state = CrisisState(11.0, Risk.HIGH, "ideation", "rule.x", last_signal_at=12.0, replies_sent=2)
    copied = state.with_changes(**changes)
    assert copied == dataclasses.replace(state, **changes)  # type: ignore[arg-type]
    assert copied is not state
