"""The moderators' desk: the one object a channel (Telegram, the command line) talks to.

    desk = ModerationDesk(storage, core, config.moderation)
    service = Service(core, storage, listeners=[desk.listener()])
    parsed = desk.parse_command("/resolve 12 talked it through")
    result = desk.act(actor_id=user_id, action=parsed.action, case_id=parsed.case_id,
                      text=parsed.rest)
    desk.fire_due_timers()    # every few seconds: re-alerts of unclaimed cases
    desk.purge_transcripts()  # daily: moderation.retention_days

Only the user ids in ``moderation.moderators`` can act; anyone else is refused, privately, and
the attempt is audited. An action on a case locks the person's conversation, so it never races
the person's own messages, and writes the case, the person's record, the audit entry and every
message it sends in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.config import ModerationConfig
from bot.moderation import cases, journal, texts, timers
from bot.moderation.actions import CaseActions, Step
from bot.moderation.alerts import Announcer
from bot.moderation.book import CaseBook, desk_transaction
from bot.moderation.commands import ACTIONS, ParsedCommand, parse_button, parse_command
from bot.moderation.listener import ModerationListener
from bot.moderation.models import CaseStatus, ModeratorResult, Queued
from bot.storage import Storage

if TYPE_CHECKING:
    from bot.core.pipeline import Core

DAY_SECONDS = 86_400.0


class ModerationDesk:
    """Cases, alerts, handoff and moderator actions over one storage."""

    def __init__(
        self,
        storage: Storage,
        core: Core,
        config: ModerationConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._storage = storage
        self._config = config
        self._clock = clock
        self._announcer = Announcer(config)
        self._actions = CaseActions(core, self._announcer)
        self._listener = ModerationListener(self._announcer, clock)
        self.book = CaseBook(storage, clock)

    def listener(self) -> ModerationListener:
        """The outcome listener to give ``Service(..., listeners=[...])``."""
        return self._listener

    @staticmethod
    def parse_command(text: str) -> ParsedCommand | None:
        """``/queue``, ``/case 12``, ``/note 12 text``...; ``None`` for other text."""
        return parse_command(text)

    @staticmethod
    def parse_button(data: str) -> ParsedCommand | None:
        """An alert button's ``mod:<action>:<id>``; ``None`` for other callback data."""
        return parse_button(data)

    def is_moderator(self, user_id: int) -> bool:
        """Whether ``user_id`` is listed in ``moderation.moderators``."""
        return user_id in self._config.moderators

    def act(
        self,
        *,
        actor_id: int,
        action: str,
        case_id: int | None,
        text: str = "",
        reply_to_ref: str | None = None,
    ) -> ModeratorResult:
        """Do what moderator ``actor_id`` asked; refuse (privately, audited) anyone else.

        ``action`` is one of :data:`~bot.moderation.commands.ACTIONS`. For ``reply``, the case
        is found from ``reply_to_ref`` (the id of the bot's message being replied to) when
        ``case_id`` is not given; a reply to a message that belongs to no case is ignored.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown moderation action {action!r}; expected one of {ACTIONS}")
        now = self._clock()
        if not self.is_moderator(actor_id):
            with desk_transaction(self._storage) as tx:
                journal.audit(
                    tx.execute(),
                    actor_id=str(actor_id),
                    action=action,
                    case_id=case_id,
                    allowed=False,
                    now=now,
                    detail="refused: not a moderator",
                )
            return ModeratorResult(False, action, case_id, texts.REFUSED, private=True)
        if action == "queue":
            return self._queue(str(actor_id), now)
        if action == "reply" and case_id is None and reply_to_ref is not None:
            case_id = self._case_of_message(reply_to_ref)
            if case_id is None:
                return ModeratorResult(True, action, None, "")
        return self._on_case(str(actor_id), action, case_id, text, now)

    def resolve(self, case_id: int, *, by: str, reason: str) -> ModeratorResult:
        """Resolve a case as an operator (``crisisbot cases resolve``), recorded as ``cli:<by>``."""
        return self._on_case(f"cli:{by}", "resolve", case_id, reason, self._clock())

    def fire_due_timers(self) -> int:
        """Re-alert unclaimed cases whose timer is due; return how many alerts were queued.

        Safe to call from every replica at once: each timer fires for exactly one caller.
        """
        now = self._clock()
        with desk_transaction(self._storage, write=False) as tx:
            due = timers.due(tx.execute(), now=now)
        fired = 0
        for timer in due:
            with self._storage.conversation(timer.conversation_id) as person_tx:
                assert person_tx is not None
                connection = person_tx.execute()
                if not timers.claim(connection, timer.id, now=now):
                    continue
                case = cases.get(connection, timer.case_id)
                if case is None or case.status is not CaseStatus.OPEN:
                    continue
                excerpt = journal.last_person_line(connection, case.id)
                reason = texts.realert_reason(case, now)
                queued = self._announcer.alert(
                    person_tx, case, reason=reason, excerpt=excerpt, now=now
                )
                if queued is not None:
                    fired += 1
        return fired

    def purge_transcripts(self) -> int:
        """Remove transcript lines older than ``retention_days``; return how many."""
        return purge_transcripts(self._storage, self._config.retention_days, now=self._clock())

    # -- internals -----------------------------------------------------------------------------

    def _queue(self, actor: str, now: float) -> ModeratorResult:
        with desk_transaction(self._storage) as tx:
            connection = tx.execute()
            open_cases = cases.queue(connection)
            queued = self._announcer.post(tx, None, texts.queue(open_cases, now=now))
            journal.audit(
                connection, actor_id=actor, action="queue", case_id=None, allowed=True, now=now
            )
        notice = f"Open cases: {len(open_cases)}"
        return ModeratorResult(True, "queue", None, notice, queued=_tuple(queued))

    def _case_of_message(self, message_ref: str) -> int | None:
        chat = self._announcer.chat
        if chat is None:
            return None
        with desk_transaction(self._storage, write=False) as tx:
            return journal.case_of_sent_message(tx.execute(), chat, message_ref)

    def _on_case(
        self, actor: str, action: str, case_id: int | None, text: str, now: float
    ) -> ModeratorResult:
        if case_id is None:
            return self._say_only(actor, action, texts.USAGE, now)
        with desk_transaction(self._storage, write=False) as tx:
            found = cases.get(tx.execute(), case_id)
        if found is None:
            return self._say_only(actor, action, f"There is no case {case_id}.", now)
        with self._storage.conversation(found.conversation_id) as person_tx:
            assert person_tx is not None
            case = cases.get(person_tx.execute(), case_id)
            assert case is not None  # cases are never deleted
            step = Step(person_tx, case, actor, now)
            done = self._actions.run(action, step, text)
            journal.audit(
                person_tx.execute(),
                actor_id=actor,
                action=action,
                case_id=case_id,
                allowed=True,
                now=now,
                detail=done.detail,
            )
        return ModeratorResult(True, action, case_id, done.notice, queued=tuple(step.queued))

    def _say_only(self, actor: str, action: str, text: str, now: float) -> ModeratorResult:
        """Answer in the moderators' chat without touching a case (usage, unknown case)."""
        with desk_transaction(self._storage) as tx:
            queued = self._announcer.post(tx, None, texts.done(text))
            journal.audit(
                tx.execute(),
                actor_id=actor,
                action=action,
                case_id=None,
                allowed=True,
                now=now,
                detail="no change: no such case or no case number",
            )
        return ModeratorResult(True, action, None, text, queued=_tuple(queued))


def purge_transcripts(storage: Storage, retention_days: int, *, now: float) -> int:
    """Remove transcript lines older than ``retention_days`` before ``now``; return how many.

    Sent moderators' chat messages of the same age (alerts and relays quote the person) go
    too; case metadata and the audit log stay.
    """
    cutoff = now - retention_days * DAY_SECONDS
    with desk_transaction(storage) as tx:
        connection = tx.execute()
        removed = journal.purge_lines(connection, older_than=cutoff)
        journal.erase_sent_messages(connection, sent_before=cutoff)
    return removed


def _tuple(queued: Queued | None) -> tuple[Queued, ...]:
    return (queued,) if queued is not None else ()


__all__ = ["DAY_SECONDS", "ModerationDesk", "purge_transcripts"]
