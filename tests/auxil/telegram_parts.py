"""Helpers of the Telegram tests: an echo service, an offline request, updates from payloads.

Fixtures stay in the conftest beside the tests; these are imported by name.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.request import HTTPXRequest

from bot.errors import StorageError
from bot.model import Button, ConversationRecord, Inbound, Outcome, Reply, Route
from bot.storage import Storage
from bot.telegram.application import (
    TelegramBot,
)
from tests.auxil.botapi_standin import BotApiStandIn, offline_transport

TOKEN = "123:abc"
OFFLINE_BASE_URL = "http://botapi.invalid/bot"
MODERATION_CHAT = -100500


class EchoService:
    """A core stand-in: answers each inbound with one reply naming what it received."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.inbounds: list[Inbound] = []
        self.failing = False  # every inbound fails, as when storage is down
        self.poison: set[str] = set()  # texts that always fail, as a bug on one message would
        self.group_texts: list[str] = []  # words from groups, seen only by the gate

    def group_reply(self, text: str, *, edited: bool = False) -> Reply | None:
        """Like the core: every group message is gated; here, a fixed notice unless edited."""
        self.group_texts.append(text)
        return None if edited else Reply("Please send me a private message instead.")

    def handle_many(
        self, requests: Sequence[tuple[Inbound, str | None]]
    ) -> list[Outcome | Exception | None]:
        """:meth:`handle` for each request, each one's error its own (as the service does)."""
        results: list[Outcome | Exception | None] = []
        for inbound, deliver_to in requests:
            try:
                results.append(self.handle(inbound, deliver_to=deliver_to))
            except Exception as error:
                results.append(error)
        return results

    def handle(self, inbound: Inbound, *, deliver_to: str | None = None) -> Outcome | None:
        """Dedupe, record and answer ``inbound`` in one storage transaction."""
        if self.failing:  # the message quotes the text, as a careless error might
            raise StorageError(f"storage is down while storing {inbound.text!r}")
        with self.storage.conversation(inbound.conversation_id, update_id=inbound.update_id) as tx:
            if tx is None:
                return None
            if inbound.text in self.poison:  # inside the transaction, like the core: rolled back
                raise ValueError("the core cannot handle this message")
            self.inbounds.append(inbound)
            reply = Reply(
                f"{inbound.kind.value}|{inbound.command or ''}|{inbound.text}",
                (Button("More", "f:more"),),
            )
            if deliver_to is not None:
                tx.enqueue(deliver_to, reply)
            record = ConversationRecord(inbound.conversation_id, "echo", "1", "start", 0.0, 0.0)
            return Outcome(Route.ANSWER, (reply,), record)


def offline_request(standin: BotApiStandIn) -> HTTPXRequest:
    """An HTTPXRequest whose calls ``standin`` answers without a network."""
    return HTTPXRequest(httpx_kwargs={"transport": offline_transport(standin)})


def as_update(payload: dict[str, object], bot: TelegramBot) -> Update:
    """The payload as python-telegram-bot parses it, bound to the bot."""
    update = Update.de_json(payload, bot.application.bot)
    assert update is not None
    return update
