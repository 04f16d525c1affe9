"""The core beside a storage transaction: what every channel (Telegram, the terminal) calls.

One inbound is decided first and written after, so no write lock is held while the core thinks:

1. read the conversation's record and whether the ``update_id`` was seen (no lock);
2. run the core on that record, outside any transaction;
3. in one short transaction: lock the conversation, mark the update processed (skip it if
   another process did meanwhile), check that the stored record is still the one read, save the
   new record, put the replies in the outbox, let listeners (moderation) write, commit.

:meth:`Service.handle_many` does the same for the updates of several chats at once: one read,
the core on each, one transaction for all of them (a group commit), crisis and check-in updates
written first. If that transaction fails, each update is written alone, so one update's failure
stays its own.

If the record changed between 1 and 3 (another replica wrote the same conversation), the core
decides again on the stored record inside the transaction, so no write is ever based on a stale
record. Nothing is sent before the commit, so a crash loses nothing and sends nothing twice.

Safety before consistency: when an inbound the core routes to crisis (or to a check-in) cannot
be stored, for any reason, its replies are still sent at once through :attr:`Service.direct_send`
(best effort, once per update), the failure is logged without text and counted in
``crisisbot_crisis_unstored_total``; the error is then raised as before, so the update is offered
again and its state can still be stored. If even reading the record fails, the core decides on no
record: the gate needs only the text.

Replies go into the outbox through the transaction's ``queue``, which cuts each into the parts
that fit one Telegram message (:mod:`bot.storage.parts`), one outbox row each, so a crash between
two parts never sends the earlier parts again; a direct (unstored) crisis reply is cut the same way.
Crisis and check-in replies are queued with a high priority: they go out before other chats'
ordinary replies waiting in the outbox (:mod:`bot.storage.outbox`).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol

from bot.core.pipeline import Core
from bot.health.metrics import default_metrics
from bot.model import Event, Inbound, Outcome, Reply, Route
from bot.storage.outbox import Priority
from bot.storage.parts import split_reply

if TYPE_CHECKING:
    from bot.storage import ConversationTx, Storage

_LOGGER = logging.getLogger(__name__)

#: Routes whose replies go out even when the inbound cannot be stored.
SAFETY_ROUTES = frozenset({Route.CRISIS, Route.CHECK_IN})
#: Updates remembered as already answered directly, so a retried update is not answered twice.
_DIRECT_MEMORY = 4096

DirectSend = Callable[[str, Sequence[Reply]], None]
#: One update for :meth:`Service.handle_many`: the inbound and the chat its replies go to.
Request = tuple[Inbound, str | None]


@dataclass(frozen=True, slots=True)
class _Decided:
    """An update the core decided on a lock-free read, waiting to be written."""

    index: int  # its place among the requests
    inbound: Inbound
    deliver_to: str | None
    stored: str | None  # the record's JSON text as read
    outcome: Outcome


def reply_priority(outcome: Outcome) -> Priority:
    """Crisis replies and check-ins go out before other chats' ordinary replies."""
    return Priority.HIGH if outcome.route in SAFETY_ROUTES else Priority.NORMAL


class OutcomeListener(Protocol):
    """Something that acts on an outcome inside the same transaction (for example, moderation).

    A listener may also have ``before_batch(batch, conversation_ids)``, called once per group
    commit before any ``on_outcome`` of it, with the :class:`~bot.storage.ConversationBatch`
    (locked): to read for the whole batch in one statement what it would otherwise read per
    update, keeping it in ``batch.shared`` (each transaction's ``tx.shared``).
    """

    def on_outcome(self, tx: ConversationTx, inbound: Inbound, outcome: Outcome) -> None:
        """Record what ``outcome`` means for this listener; raise to roll everything back."""


class Service:
    """The core plus storage. Thread-safe: storage serialises each conversation's writes."""

    def __init__(
        self,
        core: Core,
        storage: Storage,
        listeners: Sequence[OutcomeListener] = (),
        *,
        direct_send: DirectSend | None = None,
    ) -> None:
        self.core = core
        self.storage = storage
        self.listeners = tuple(listeners)
        #: Sends replies to a chat now, bypassing storage (``(chat, parts)``; may raise). Set by
        #: the channel once it can send; ``None``: unstored crisis replies cannot be rescued.
        self.direct_send = direct_send
        self._answered_directly: OrderedDict[int, None] = OrderedDict()
        self._direct_lock = threading.Lock()

    def prepare(self, texts: Sequence[str]) -> None:
        """Do ahead, in batches, the core's costly work for texts about to be handled.

        A cache only: :meth:`handle` decides the same with or without it.
        """
        self.core.prepare(texts)

    def handle(self, inbound: Inbound, *, deliver_to: str | None = None) -> Outcome | None:
        """Process ``inbound`` durably; ``None`` when its ``update_id`` was already processed.

        With ``deliver_to`` the replies go into the outbox for that chat, committed together
        with the new state; without it (terminal, triage) the caller shows them itself.
        """
        (result,) = self.handle_many([(inbound, deliver_to)])
        if isinstance(result, Exception):
            raise result
        return result

    def handle_many(
        self, requests: Sequence[Request], *, prepare: bool = True
    ) -> list[Outcome | Exception | None]:
        """:meth:`handle` for the updates of several chats, written in one transaction.

        Returns one result per request, in order: the outcome, ``None`` for an update processed
        before, or the exception that kept it from being stored (never raised here, so one
        update's failure is that update's alone). Every update is decided on a lock-free read
        first; then one transaction locks the conversations, writes them all and commits (a
        group commit), crisis and check-in updates first. If that transaction fails, each update
        is written again in a transaction of its own, and an update that still fails is rescued
        as :meth:`handle` rescues it. Give at most one update per conversation, or several in
        the order they arrived. ``prepare=False``: the caller has already prepared these texts
        (:meth:`prepare`, with more texts around them), so they are not prepared again.
        """
        core = self.core  # read once: a flow reload swaps it between batches, never within
        results: list[Outcome | Exception | None] = [None] * len(requests)
        try:
            seen = self.storage.peek_many(
                [(inbound.conversation_id, inbound.update_id) for inbound, _ in requests]
            )
        except Exception as error:
            for index, (inbound, deliver_to) in enumerate(requests):
                self._rescue(partial(core.process, None, inbound), inbound, deliver_to, error)
                results[index] = error
            return results
        fresh = [inbound for index, (inbound, _) in enumerate(requests) if not seen[index].seen]
        if prepare and len(fresh) > 1:
            try:  # encode the batch's texts together: a quarter of the CPU of one at a time
                core.prepare([inbound.gate_text() for inbound in fresh])
            except Exception as error:  # only a cache: each update is still decided alone
                _LOGGER.warning("could not prepare a batch's texts (%s)", type(error).__name__)
        pending: list[_Decided] = []
        for index, (inbound, deliver_to) in enumerate(requests):
            if seen[index].seen:
                continue
            try:
                decided = core.process(seen[index].record(), inbound)
            except Exception as error:
                results[index] = error
                continue
            pending.append(_Decided(index, inbound, deliver_to, seen[index].stored, decided))
        if len({item.inbound.conversation_id for item in pending}) == len(pending):
            pending.sort(key=lambda item: item.outcome.route not in SAFETY_ROUTES)
        if not pending:
            return results
        try:
            written = self.storage.retrying(partial(self._write_batch, core, pending))
        except Exception as error:
            if len(pending) == 1:
                self._rescue_decided(pending[0], error)
                results[pending[0].index] = error
                return results
            _LOGGER.warning(
                "a group commit of %s updates failed (%s); writing each alone",
                len(pending),
                type(error).__name__,
            )
            for item in pending:
                try:
                    results[item.index] = self.storage.retrying(
                        partial(self._write_batch, core, [item])
                    )[0]
                except Exception as alone:
                    self._rescue_decided(item, alone)
                    results[item.index] = alone
            return results
        for item, outcome in zip(pending, written, strict=True):
            results[item.index] = outcome
        return results

    def _write_batch(self, core: Core, pending: Sequence[_Decided]) -> list[Outcome | None]:
        """One transaction: lock, claim, check each record is unchanged, write, commit."""
        written: list[Outcome | None] = []
        wanted = [(item.inbound.conversation_id, item.inbound.update_id) for item in pending]
        with self.storage.conversations(wanted) as batch:
            for listener in self.listeners:
                before = getattr(listener, "before_batch", None)
                if before is not None:
                    before(batch, [conversation for conversation, _ in wanted])
            for item in pending:
                inbound = item.inbound
                tx = batch.open(inbound.conversation_id, update_id=inbound.update_id)
                if tx is None:
                    written.append(None)
                    continue
                outcome = item.outcome
                if tx.stored() != item.stored:  # written meanwhile (another replica): again
                    outcome = core.process(tx.load(), inbound)
                self._write(tx, inbound, outcome, item.deliver_to)
                written.append(outcome)
        return written

    def _write(
        self, tx: ConversationTx, inbound: Inbound, outcome: Outcome, deliver_to: str | None
    ) -> None:
        if Event.FORGET in outcome.events:
            kept = outcome.record.after_forget()
            if kept is None:
                tx.delete()
            else:
                tx.save(kept)
        else:
            tx.save(outcome.record)
        if deliver_to is not None and outcome.replies:
            tx.queue(deliver_to, *outcome.replies, priority=reply_priority(outcome))
        for listener in self.listeners:
            listener.on_outcome(tx, inbound, outcome)

    def _rescue_decided(self, item: _Decided, error: Exception) -> None:
        """:meth:`_rescue` for an update the core already decided."""
        self._rescue(lambda: item.outcome, item.inbound, item.deliver_to, error)

    def _rescue(
        self,
        decide: Callable[[], Outcome],
        inbound: Inbound,
        deliver_to: str | None,
        error: Exception,
    ) -> None:
        """Send a crisis outcome's replies directly after its storage failed (best effort).

        Never raises: the caller re-raises the storage error.
        """
        try:
            outcome = decide()
            if outcome.route in SAFETY_ROUTES:
                self._send_unstored(outcome, inbound, deliver_to, error)
        except Exception:
            _LOGGER.exception("update %s: rescuing an unstored reply failed", inbound.update_id)

    def _send_unstored(
        self, outcome: Outcome, inbound: Inbound, deliver_to: str | None, error: Exception
    ) -> None:
        default_metrics().crisis_unstored.inc()
        _LOGGER.error(
            "update %s routed to %s could not be stored (%s); sending its replies directly",
            inbound.update_id,
            outcome.route.value,
            type(error).__name__,
        )
        if deliver_to is None or self.direct_send is None or not self._first_rescue(inbound):
            return
        parts = [part for reply in outcome.replies for part in split_reply(reply) or (reply,)]
        try:
            self.direct_send(deliver_to, parts)
        except Exception as send_error:
            _LOGGER.error(
                "update %s: the direct crisis reply failed too (%s)",
                inbound.update_id,
                type(send_error).__name__,
            )

    def _first_rescue(self, inbound: Inbound) -> bool:
        """``False`` if this update was already answered directly (it is being retried)."""
        if inbound.update_id is None:
            return True
        with self._direct_lock:
            if inbound.update_id in self._answered_directly:
                return False
            self._answered_directly[inbound.update_id] = None
            if len(self._answered_directly) > _DIRECT_MEMORY:
                self._answered_directly.popitem(last=False)
            return True

    def group_reply(self, text: str, *, edited: bool = False) -> Reply | None:
        """The gated answer to words in a group chat, where no flows run (see Core.group_reply)."""
        return self.core.group_reply(text, edited=edited)
