"""Re-alerts: due after realert_minutes on an injected clock, once across replicas and restarts."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest

from bot.moderation import ModerationDesk, timers
from bot.moderation.book import desk_transaction
from bot.storage import Storage
from tests.auxil.moderation_people import (
    CONCERN_TEXT,
    HIGH_TEXT,
    IMMINENT_TEXT,
    MODERATORS,
    Clock,
    Person,
    alerts,
    only_case,
)

MINUTE = 60.0


@pytest.mark.parametrize(
    ("text", "minutes"), [(IMMINENT_TEXT, 5), (HIGH_TEXT, 15), (CONCERN_TEXT, 15)]
)
def test_an_unclaimed_case_is_announced_again_once_when_due(
    storage: Storage,
    desk: ModerationDesk,
    person: Person,
    clock: Clock,
    text: str,
    minutes: int,
) -> None:
    person.say(text)
    clock.advance(minutes * MINUTE - 1)
    assert desk.fire_due_timers() == 0
    clock.advance(1)
    assert desk.fire_due_timers() == 1
    assert desk.fire_due_timers() == 0
    first, again = alerts(storage)
    assert "STILL UNCLAIMED" in again.reply.text
    assert again.reply.text.splitlines()[0] == first.reply.text.splitlines()[0]
    assert only_case(desk).alert_count == 2


def test_it_keeps_reminding_until_someone_claims_it(
    storage: Storage, desk: ModerationDesk, person: Person, clock: Clock
) -> None:
    person.say(IMMINENT_TEXT)
    for _ in range(3):
        clock.advance(5 * MINUTE)
        assert desk.fire_due_timers() == 1
    desk.act(actor_id=MODERATORS[0], action="claim", case_id=only_case(desk).id)
    clock.advance(60 * MINUTE)
    assert desk.fire_due_timers() == 0
    assert len(alerts(storage)) == 4


@pytest.mark.parametrize("action", ["claim", "talk", "resolve"])
def test_taking_the_case_stops_the_re_alert(
    desk: ModerationDesk, person: Person, clock: Clock, action: str
) -> None:
    person.say(HIGH_TEXT)
    desk.act(actor_id=MODERATORS[0], action=action, case_id=only_case(desk).id, text="ok")
    clock.advance(60 * MINUTE)
    assert desk.fire_due_timers() == 0


def test_rising_risk_brings_the_re_alert_forward(
    desk: ModerationDesk, person: Person, clock: Clock
) -> None:
    person.say(CONCERN_TEXT)
    person.say(IMMINENT_TEXT)
    clock.advance(5 * MINUTE)
    assert desk.fire_due_timers() == 1


def test_two_replicas_fire_a_timer_once(
    storage: Storage,
    open_storage: Callable[[], Storage],
    make_desk: Callable[..., ModerationDesk],
    desk: ModerationDesk,
    person: Person,
    clock: Clock,
) -> None:
    person.say(HIGH_TEXT)
    other = make_desk(open_storage())
    clock.advance(15 * MINUTE)
    assert desk.fire_due_timers() + other.fire_due_timers() == 1
    assert len(alerts(storage)) == 2


def test_a_replica_that_saw_the_timer_due_too_late_does_not_fire_it(
    storage: Storage,
    open_storage: Callable[[], Storage],
    make_desk: Callable[..., ModerationDesk],
    desk: ModerationDesk,
    person: Person,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person.say(HIGH_TEXT)
    clock.advance(15 * MINUTE)
    with desk_transaction(storage, write=False) as tx:
        seen_by_late_replica = timers.due(tx.execute(), now=clock())
    assert desk.fire_due_timers() == 1
    late = make_desk(open_storage())
    monkeypatch.setattr(timers, "due", lambda connection, *, now: seen_by_late_replica)
    assert late.fire_due_timers() == 0
    assert len(alerts(storage)) == 2


def test_replicas_firing_at_the_same_moment_fire_once(
    storage: Storage,
    open_storage: Callable[[], Storage],
    make_desk: Callable[..., ModerationDesk],
    service: Any,
    clock: Clock,
) -> None:
    for chat in ("31", "32", "33"):
        Person(service, clock, chat=chat).say(HIGH_TEXT)
    clock.advance(15 * MINUTE)
    replicas = [make_desk(open_storage()) for _ in range(4)]
    start = Barrier(len(replicas))

    def fire(replica: ModerationDesk) -> int:
        start.wait()
        return replica.fire_due_timers()

    with ThreadPoolExecutor(len(replicas)) as pool:
        fired = sum(pool.map(fire, replicas))
    assert fired == 3
    assert len(alerts(storage)) == 6


def test_a_restart_loses_no_case_alert_or_timer(
    storage: Storage,
    open_storage: Callable[[], Storage],
    make_desk: Callable[..., ModerationDesk],
    person: Person,
    clock: Clock,
) -> None:
    person.say(HIGH_TEXT)
    case = only_case(make_desk(storage))
    storage.close()  # the process stops

    restarted = open_storage()
    desk = make_desk(restarted)
    assert only_case(desk) == case
    assert len(alerts(restarted)) == 1, "the alert is still queued for the sender"
    clock.advance(15 * MINUTE)
    assert desk.fire_due_timers() == 1
    assert len(alerts(restarted)) == 2
