"""Assemble the python-telegram-bot Application with crisisbot's processor, handlers and sender.

The Application has no ``Updater``: updates come from :class:`~bot.telegram.poller.DurablePoller`
or the webhook app, both of which hand each update to :meth:`TelegramBot.process`. In
``crisisbot run`` sends are paced by the send budget shared by all replicas
(:mod:`bot.telegram.ratelimit`) and ``AIORateLimiter`` is off; with ``rate_limited=True`` (tests,
benchmarks) it applies Telegram's per-process limits. Flood-control answers are never retried
here: the outbox sender reschedules them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder
from telegram.request import BaseRequest

from bot.core.service import Service
from bot.telegram.handlers import AnyApplication, CoreService, TelegramHandlers
from bot.telegram.logs import UpdateLog, hash_key_from_token
from bot.telegram.processor import ChatOrderedProcessor
from bot.telegram.sender import OutboxSender, SenderSettings

if TYPE_CHECKING:
    from bot.moderation import ModerationDesk
    from bot.storage import Storage


@dataclass(frozen=True, slots=True)
class TelegramBot:
    """The running parts: the Application, its handlers and the outbox sender."""

    application: AnyApplication
    handlers: TelegramHandlers
    sender: OutboxSender

    async def process(self, update: Update) -> bool:
        """Handle one update in its chat's order; ``True`` once it is committed."""
        return await self.handlers.process(self.application, update)


def build_application(
    token: str,
    *,
    base_url: str,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limited: bool = True,
    max_active_chats: int = 64,
) -> AnyApplication:
    """An Application without an Updater, with the per-chat processor and the rate limiter.

    ``request`` and ``get_updates_request`` replace the HTTP clients (offline tests, benchmarks).
    The process opts in to python-telegram-bot's ``timedelta`` time periods once, before this is
    called (:func:`bot.config.use_timedelta_periods`).
    """
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .updater(None)
        .concurrent_updates(ChatOrderedProcessor(max_active_chats))
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if rate_limited:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))
    return builder.build()


def assemble(
    application: AnyApplication,
    service: CoreService,
    storage: Storage,
    *,
    token: str,
    moderation_chat_id: int | None = None,
    desk: ModerationDesk | None = None,
    log_text: bool = False,
    sender_settings: SenderSettings | None = None,
) -> TelegramBot:
    """Register the handlers on ``application`` and connect them to a new outbox sender.

    With ``desk``, moderators act on cases from ``moderation_chat_id``; without it that chat is
    ignored.
    """
    sender = OutboxSender(application.bot, storage, sender_settings)
    if isinstance(service, Service):  # unstored crisis replies go out through the sender
        service.direct_send = sender.send_directly
    handlers = TelegramHandlers(
        service,
        storage,
        update_log=UpdateLog(hash_key_from_token(token), log_text=log_text),
        moderation_chat_id=moderation_chat_id,
        desk=desk,
        on_commit=sender.wake,
    )
    handlers.register(application)
    return TelegramBot(application, handlers, sender)
