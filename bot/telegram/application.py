"""Assemble the python-telegram-bot Application with crisisbot's processor, handlers and sender.

The Application has no ``Updater``: updates come from :class:`~bot.telegram.poller.DurablePoller`
or the webhook app, both of which hand each update to :meth:`TelegramBot.accept` (stored in the
inbox, acknowledged, then decided by the :class:`~bot.telegram.inbox.Decider`, which runs it
through :meth:`TelegramBot.process`'s path). In
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
from bot.telegram.inbox import Decider, DeciderSettings, InboxWriter
from bot.telegram.logs import UpdateLog, hash_key_from_token
from bot.telegram.processor import ChatOrderedProcessor
from bot.telegram.sender import OutboxSender, SenderSettings

if TYPE_CHECKING:
    from bot.moderation import ModerationDesk
    from bot.storage import Storage


@dataclass(frozen=True, slots=True)
class TelegramBot:
    """The running parts: the Application, its handlers, the inbox and the outbox sender."""

    application: AnyApplication
    handlers: TelegramHandlers
    sender: OutboxSender
    inbox: InboxWriter
    decider: Decider

    async def process(self, update: Update, raw: str | None = None, /) -> bool:
        """Decide one update now, in its chat's order; ``True`` once its decision is committed.

        ``raw`` (the update's JSON) is not needed: nothing is stored before the decision.
        """
        return await self.handlers.process(self.application, update)

    async def accept(self, update: Update, raw: str | None = None, /) -> bool:
        """Store one update in the inbox; ``True`` once committed (decided afterwards).

        ``raw``, the JSON the update was read from, is stored as it is when given.
        """
        return await self.inbox.accept(update, raw)


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
    decider_settings: DeciderSettings | None = None,
) -> TelegramBot:
    """Register the handlers on ``application`` and connect them to the inbox and the sender.

    With ``desk``, moderators act on cases from ``moderation_chat_id``; without it that chat is
    ignored. The decider's claimer defaults to the sender's (the replica's stable name).
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
    settings = decider_settings or DeciderSettings(claimer=sender.settings.claimer)
    inbox = InboxWriter(storage)
    decider = Decider(
        storage,
        application.bot,
        lambda update: handlers.decide(application, update),
        service=service,
        settings=settings,
        direct_send=sender.send_directly,
        on_commit=sender.wake,
        arrivals=inbox.quiet,
    )
    inbox.on_commit = decider.remember
    return TelegramBot(application, handlers, sender, inbox, decider)
