"""The moderators' desk: the one object a channel (Telegram, the command line) talks to.

    desk = ModerationDesk(storage, lambda: service.core, config.moderation)
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
from dataclasses import dataclass, replace

from bot.config import ModerationConfig
from bot.moderation import cases, journal, texts, upkeep
from bot.moderation.actions import CaseActions, Step
from bot.moderation.alerts import Announcer
from bot.moderation.book import CaseBook, desk_transaction
from bot.moderation.commands import ACTIONS, ParsedCommand, parse_button, parse_command
from bot.moderation.listener import ModerationListener
from bot.moderation.models import ModeratorResult, Queued, WordingSource
from bot.storage import ConversationTx, Storage
from bot.storage.conversation import claim_update


class ModerationDesk:
    """Cases, alerts, handoff and moderator actions over one storage."""

    def __init__(
        self,
        storage: Storage,
        core: WordingSource | Callable[[], WordingSource],
        config: ModerationConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``core`` is the core, or a callable that returns the current one (hot reload)."""
        self._storage = storage
        self._config = config
        self._clock = clock
        self._announcer = Announcer(config)
        self._core = core if callable(core) else lambda: core
        self._actions = CaseActions(self._core, self._announcer)
        self._listener = ModerationListener(self._announcer, clock)
        self.book = CaseBook(storage, clock)

    @property
    def core(self) -> WordingSource:
        """The core the desk acts with now: the service's, after any flow reload."""
        return self._core()

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
        update_id: int | None = None,
    ) -> ModeratorResult:
        """Do what moderator ``actor_id`` asked; refuse (privately, audited) anyone else.

        ``action`` is one of :data:`~bot.moderation.commands.ACTIONS`. For ``reply``, the case
        is found from ``reply_to_ref`` (the id of the bot's message being replied to) when
        ``case_id`` is not given; a reply to a message that belongs to no case is ignored.
        ``update_id`` (the channel's id of the update) makes a re-delivered update a no-op,
        recorded in the same transaction as the action: ``duplicate`` is then true.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown moderation action {action!r}; expected one of {ACTIONS}")
        request = _Request(str(actor_id), action, case_id, text, update_id, self._clock())
        if not self.is_moderator(actor_id):
            return self._refuse(request)
        if action == "queue":
            return self._queue(request)
        if action == "reply" and case_id is None and reply_to_ref is not None:
            found = self._case_of_message(reply_to_ref)
            if found is None:
                return ModeratorResult(True, action, None, "")
            request = replace(request, case_id=found)
        return self._on_case(request)

    def resolve(self, case_id: int, *, by: str, reason: str) -> ModeratorResult:
        """Resolve a case as an operator (``crisisbot cases resolve``), recorded as ``cli:<by>``."""
        return self._on_case(_Request(f"cli:{by}", "resolve", case_id, reason, None, self._clock()))

    def fire_due_timers(self) -> int:
        """Re-alert unclaimed cases whose timer is due; return how many alerts were queued.

        Safe to call from every replica at once: each timer fires for exactly one caller.
        """
        return upkeep.fire_due_timers(self._storage, self._announcer, now=self._clock())

    def purge_transcripts(self) -> int:
        """Remove transcript lines older than ``retention_days``; return how many."""
        return upkeep.purge_transcripts(
            self._storage, self._config.retention_days, now=self._clock()
        )

    # -- internals -----------------------------------------------------------------------------

    def _refuse(self, request: _Request) -> ModeratorResult:
        with desk_transaction(self._storage) as tx:
            if not _first_time(tx, request.update_id):
                return _duplicate(request, allowed=False)
            journal.audit(
                tx.execute(),
                actor_id=request.actor,
                action=request.action,
                case_id=request.case_id,
                allowed=False,
                now=request.now,
                detail="refused: not a moderator",
            )
        return ModeratorResult(False, request.action, request.case_id, texts.REFUSED, private=True)

    def _queue(self, request: _Request) -> ModeratorResult:
        with desk_transaction(self._storage) as tx:
            if not _first_time(tx, request.update_id):
                return _duplicate(request)
            connection = tx.execute()
            open_cases = cases.queue(connection)
            queued = self._announcer.post(tx, None, texts.queue(open_cases, now=request.now))
            journal.audit(
                connection,
                actor_id=request.actor,
                action="queue",
                case_id=None,
                allowed=True,
                now=request.now,
            )
        notice = f"Open cases: {len(open_cases)}"
        return ModeratorResult(True, "queue", None, notice, queued=_tuple(queued))

    def _case_of_message(self, message_ref: str) -> int | None:
        chat = self._announcer.chat
        if chat is None:
            return None
        with desk_transaction(self._storage, write=False) as tx:
            return journal.case_of_sent_message(tx.execute(), chat, message_ref)

    def _on_case(self, request: _Request) -> ModeratorResult:
        if request.case_id is None:
            return self._say_only(request, texts.USAGE)
        with desk_transaction(self._storage, write=False) as tx:
            found = cases.get(tx.execute(), request.case_id)
        if found is None:
            return self._say_only(request, f"There is no case {request.case_id}.")
        conversation = self._storage.conversation(
            found.conversation_id, update_id=request.update_id
        )
        with conversation as person_tx:
            if person_tx is None:
                return _duplicate(request)
            case = cases.get(person_tx.execute(), request.case_id)
            assert case is not None  # cases are never deleted
            step = Step(person_tx, case, request.actor, request.now)
            done = self._actions.run(request.action, step, request.text)
            journal.audit(
                person_tx.execute(),
                actor_id=request.actor,
                action=request.action,
                case_id=case.id,
                allowed=True,
                now=request.now,
                detail=done.detail,
            )
        return ModeratorResult(
            True, request.action, case.id, done.notice, queued=tuple(step.queued)
        )

    def _say_only(self, request: _Request, text: str) -> ModeratorResult:
        """Answer in the moderators' chat without touching a case (usage, unknown case)."""
        with desk_transaction(self._storage) as tx:
            if not _first_time(tx, request.update_id):
                return _duplicate(request)
            queued = self._announcer.post(tx, None, texts.done(text))
            journal.audit(
                tx.execute(),
                actor_id=request.actor,
                action=request.action,
                case_id=None,
                allowed=True,
                now=request.now,
                detail="no change: no such case or no case number",
            )
        return ModeratorResult(True, request.action, None, text, queued=_tuple(queued))


@dataclass(frozen=True, slots=True)
class _Request:
    """One action as asked: who (as text), what, on which case, when, from which update."""

    actor: str
    action: str
    case_id: int | None
    text: str
    update_id: int | None
    now: float


def _first_time(tx: ConversationTx, update_id: int | None) -> bool:
    """Record ``update_id`` as processed in ``tx``; ``False`` if it was processed before."""
    return update_id is None or claim_update(tx.execute(), update_id, now=time.time())


def _duplicate(request: _Request, *, allowed: bool = True) -> ModeratorResult:
    return ModeratorResult(allowed, request.action, request.case_id, "", duplicate=True)


def _tuple(queued: Queued | None) -> tuple[Queued, ...]:
    return (queued,) if queued is not None else ()


__all__ = ["ModerationDesk"]
