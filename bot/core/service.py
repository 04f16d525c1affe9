"""The core behind a storage transaction: what every channel (Telegram, the terminal) calls.

One inbound is one transaction: skip it if its ``update_id`` was seen, lock and load the
conversation, run the pipeline, save the record, put the replies in the outbox, let listeners
(moderation) write in the same transaction, commit. Nothing is sent before the commit, so a crash
loses nothing and sends nothing twice.

A channel whose messages have a size limit passes ``split``: each reply is cut into parts that
fit, and every part becomes its own outbox row, so a crash between two parts never sends the
earlier parts again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.core.models import Inbound, Outcome, Reply
from bot.core.pipeline import Core

if TYPE_CHECKING:
    from bot.storage import ConversationTx, Storage


class OutcomeListener(Protocol):
    """Something that acts on an outcome inside the same transaction (for example, moderation)."""

    def on_outcome(self, tx: ConversationTx, inbound: Inbound, outcome: Outcome) -> None:
        """Record what ``outcome`` means for this listener; raise to roll everything back."""


class Service:
    """The core plus storage. Thread-safe: storage serialises each conversation."""

    def __init__(
        self,
        core: Core,
        storage: Storage,
        listeners: Sequence[OutcomeListener] = (),
        *,
        split: Callable[[Reply], Sequence[Reply]] | None = None,
    ) -> None:
        self.core = core
        self.storage = storage
        self.listeners = tuple(listeners)
        self.split = split

    def handle(self, inbound: Inbound, *, deliver_to: str | None = None) -> Outcome | None:
        """Process ``inbound`` durably; ``None`` when its ``update_id`` was already processed.

        With ``deliver_to`` the replies go into the outbox for that chat, committed together
        with the new state; without it (terminal, triage) the caller shows them itself.
        """
        with self.storage.conversation(inbound.conversation_id, update_id=inbound.update_id) as tx:
            if tx is None:
                return None
            core = self.core  # read once: a flow reload swaps it between updates, never within
            outcome = core.process(tx.load(), inbound)
            if "forget" in outcome.events:
                tx.delete()
            else:
                tx.save(outcome.record)
            if deliver_to is not None:
                for reply in outcome.replies:
                    for part in self._parts(reply):
                        tx.enqueue(deliver_to, part)
            for listener in self.listeners:
                listener.on_outcome(tx, inbound, outcome)
            return outcome

    def _parts(self, reply: Reply) -> Sequence[Reply]:
        """The outbox rows of ``reply``; the reply itself if the splitter leaves nothing."""
        if self.split is None:
            return (reply,)
        return self.split(reply) or (reply,)

    def group_reply(self, text: str, *, edited: bool = False) -> Reply | None:
        """The gated answer to words in a group chat, where no flows run (see Core.group_reply)."""
        return self.core.group_reply(text, edited=edited)
