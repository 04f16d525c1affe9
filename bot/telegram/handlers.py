"""The Application's handlers: one catch-all per update kind, each ending in the core.

A private chat's update becomes one :class:`~bot.model.Inbound` and goes through the process's
:class:`~bot.telegram.writer.UpdateWriter` into ``Service.handle_many``, which gates it, saves
the conversation and puts the replies in the outbox in one transaction with the other chats'
updates waiting then; the outbox sender is woken right after the commit. A group's message is
read by the crisis gate only: crisis words get the crisis lines every time; anything else gets
the fixed group notice (write to me privately) at most once per group per
:data:`GROUP_NOTICE_PERIOD_SECONDS`, through the same outbox, deduplicated by ``update_id``. In the
moderators' chat, commands, alert buttons and replies to the bot go to the moderation desk
(:mod:`bot.telegram.moderators`). Button presses are always answered so the spinner stops, even
when the button is old or unknown.

:meth:`TelegramHandlers.process` runs one update through the update processor and the
Application's handlers and reports whether everything it had to store was committed; the inbox's
decider (:mod:`bot.telegram.inbox`) lets go of the update's inbox row only then.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, select
from telegram import Bot, Chat, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.core.system import GROUP_NOTICE
from bot.model import Inbound, Outcome, Reply
from bot.storage.tables import outbox
from bot.telegram.adapter import (
    GroupNotice,
    ToCore,
    ToDesk,
    adapt,
    conversation_id_for,
)
from bot.telegram.logs import UpdateLog
from bot.telegram.moderators import DeskAnswer, act_on_desk, answer_press
from bot.telegram.results import UpdateResult
from bot.telegram.stuck import StuckUpdates, failure_notice
from bot.telegram.writer import UpdateWriter

if TYPE_CHECKING:
    from bot.moderation import ModerationDesk
    from bot.storage import Storage

_LOGGER = logging.getLogger(__name__)
GROUP_NOTICE_PERIOD_SECONDS = 3600.0
GROUP_NOTICE_KIND = "group_notice"

Context = ContextTypes.DEFAULT_TYPE
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# The failures of the update being processed in this task (see TelegramHandlers.process).
_failures: ContextVar[list[BaseException] | None] = ContextVar("_failures", default=None)


class CoreService(Protocol):
    """What the handlers need of :class:`bot.core.service.Service`."""

    def handle_many(
        self, requests: Sequence[tuple[Inbound, str | None]]
    ) -> list[Outcome | Exception | None]:
        """Process several chats' inbounds durably in one transaction (see ``UpdateWriter``)."""
        ...

    def group_reply(self, text: str, *, edited: bool = False) -> Reply | None:
        """The gated answer to words in a group chat (``None``: say nothing)."""
        ...


class TelegramHandlers:
    """Connects updates to the core and the outbox; register it on an Application."""

    def __init__(
        self,
        service: CoreService,
        storage: Storage,
        *,
        update_log: UpdateLog,
        moderation_chat_id: int | None = None,
        desk: ModerationDesk | None = None,
        on_commit: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        stuck: StuckUpdates | None = None,
    ) -> None:
        self._service = service
        self._writer = UpdateWriter(service)
        self._storage = storage
        self._log = update_log
        self._moderation_chat_id = moderation_chat_id
        self._desk = desk
        self._on_commit = on_commit
        self._clock = clock
        self._stuck = stuck or StuckUpdates()

    def register(self, application: AnyApplication) -> None:
        """Add one handler per update kind and the error handler."""
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        application.add_handler(
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, self.on_edited_message)
        )
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(TypeHandler(Update, self.on_other_update))
        application.add_error_handler(self.on_error)

    async def process(
        self, application: AnyApplication, update: Update, *, let_go: bool = True
    ) -> bool:
        """Run ``update`` through the processor and the handlers; ``True`` once committed.

        ``False`` means something could not be stored: the update must be offered again (the
        inbox's decider tries it again later). With ``let_go``, an update that keeps failing
        while others are stored is let go (see :mod:`bot.telegram.stuck`); the decider counts
        attempts in the inbox itself and moves such an update aside.
        """
        failures: list[BaseException] = []
        token = _failures.set(failures)
        try:
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        finally:
            _failures.reset(token)
        if not failures:
            self._stuck.succeeded(update.update_id)
            return True
        if not let_go or not self._stuck.should_let_go(update.update_id):
            return False
        return await self._let_go(update)

    async def decide(self, application: AnyApplication, update: Update) -> bool:
        """Run ``update`` through the handler :meth:`register` gives its kind, now, without
        python-telegram-bot's dispatch and the update processor; ``True`` once committed.

        For the inbox's decider (:mod:`bot.telegram.inbox`), which keeps each chat's order
        itself: it claims only a chat's oldest waiting update, and the next one only after that
        one's decision committed, so the processor's per-chat lanes have nothing left to order
        (with python-telegram-bot's dispatch, 10-20 µs of CPU per update). The handler is chosen as
        python-telegram-bot would choose it (a message, an edit, a button press, anything
        else); what reaches :meth:`on_error` through the Application is logged the same way.
        As with :meth:`process` with ``let_go=False``, ``False`` means something could not be
        stored and the update must be offered again.
        """
        failures: list[BaseException] = []
        token = _failures.set(failures)
        try:
            if update.message is not None or update.edited_message is not None:
                await self._handle(update, application.bot)
            elif update.callback_query is not None:
                await self._press(update, application.bot)
            else:
                self._other(update)
        except Exception as error:
            self._log_failure(update.update_id, error)
        finally:
            _failures.reset(token)
        if failures:
            return False
        self._stuck.succeeded(update.update_id)
        return True

    async def on_message(self, update: Update, context: Context) -> None:
        """A new message: text, command, caption, or something without text."""
        await self._handle(update, context.bot)

    async def on_edited_message(self, update: Update, context: Context) -> None:
        """An edited message: gated like a new one."""
        await self._handle(update, context.bot)

    async def on_button(self, update: Update, context: Context) -> None:
        """A button press: handled like a message, then answered so the spinner stops."""
        await self._press(update, context.bot)

    async def _press(self, update: Update, bot: Bot) -> None:
        answer: DeskAnswer | None = None
        try:
            answer = await self._handle(update, bot)
        finally:
            query = update.callback_query
            if query is not None:
                await answer_press(bot, query.id, answer)

    async def on_other_update(self, update: Update, context: Context) -> None:
        """Any other update kind (channel posts, membership changes): logged, not read."""
        self._other(update)

    def _other(self, update: Update) -> None:
        self._log.record(
            update_id=update.update_id,
            chat_id=None,
            kind="other",
            result=UpdateResult.IGNORED_UNHANDLED_KIND,
            latency_ms=0.0,
        )

    async def on_error(self, update: object, context: Context) -> None:
        """Log a failed update: its id, the error's type and where it happened.

        The error's message is left out unless ``telegram.log_text`` is on: an exception raised
        while reading a message may quote it.
        """
        self._log_failure(update.update_id if isinstance(update, Update) else None, context.error)

    def _log_failure(self, update_id: int | None, error: BaseException | None) -> None:
        if self._log.log_text or error is None:
            _LOGGER.error("update %s failed and will be offered again", update_id, exc_info=error)
            return
        where = "".join(traceback.format_tb(error.__traceback__))
        _LOGGER.error(
            "update %s failed and will be offered again: %s\n%s",
            update_id,
            type(error).__name__,
            where,
        )

    async def _handle(self, update: Update, bot: Bot) -> DeskAnswer | None:
        """Adapt, act and log one update; a moderator's update returns the desk's answer."""
        started = time.perf_counter()
        adapted = adapt(
            update,
            moderation_chat_id=self._moderation_chat_id,
            bot_username=bot.username,
            bot_id=bot.id,
            now=self._clock(),
        )
        outcome: Outcome | None = None
        answer: DeskAnswer | None = None
        chat_id: int | None = None
        kind, text = _kind_of(update), None
        result = UpdateResult.FAILED
        try:
            if isinstance(adapted, ToCore):
                chat_id, kind, text = (
                    adapted.chat_id,
                    adapted.inbound.kind.value,
                    adapted.inbound.text,
                )
                outcome = await self._writer.handle(
                    adapted.inbound, deliver_to=str(adapted.chat_id)
                )
                result = UpdateResult.HANDLED if outcome is not None else UpdateResult.DUPLICATE
            elif isinstance(adapted, GroupNotice):
                chat_id = adapted.chat_id
                notice = self._service.group_reply(adapted.text, edited=adapted.edited)
                if notice is None:
                    result = UpdateResult.IGNORED_GROUP_EDIT
                else:
                    result = await asyncio.to_thread(
                        self._queue_group_reply, adapted.chat_id, update.update_id, notice
                    )
            elif isinstance(adapted, ToDesk):
                chat_id, text = self._moderation_chat_id, adapted.text
                answer = await act_on_desk(self._desk, adapted, update_id=update.update_id, bot=bot)
                result = answer.result
            else:
                result = UpdateResult.ignored(adapted.reason)
        except Exception as error:
            sink = _failures.get()
            if sink is not None:
                sink.append(error)
            raise
        finally:
            latency = (time.perf_counter() - started) * 1000
            self._log.record(
                update_id=update.update_id,
                chat_id=chat_id,
                kind=kind,
                result=result,
                latency_ms=latency,
                outcome=outcome,
                text=text,
            )
        if result is not UpdateResult.FAILED and not result.is_ignored:
            self._stuck.stored()
        if result.may_have_queued:
            self._on_commit()
        return answer

    def _queue_notice(self, chat_id: int, update_id: int, notice: Reply) -> bool:
        """Queue a fixed notice once per update; ``False`` for an update seen before."""
        with self._storage.conversation(conversation_id_for(chat_id), update_id=update_id) as tx:
            if tx is None:
                return False
            tx.enqueue(str(chat_id), notice, kind="notice")
            return True

    def _queue_group_reply(self, chat_id: int, update_id: int, reply: Reply) -> UpdateResult:
        """Queue a group's reply: crisis lines always, the plain notice once per period.

        Returns the update's result: ``group_notice``, ``duplicate`` (seen before) or
        ``ignored:group_notice_recent`` (the group was told within the period).
        """
        with self._storage.conversation(conversation_id_for(chat_id), update_id=update_id) as tx:
            if tx is None:
                return UpdateResult.DUPLICATE
            plain = reply.text == GROUP_NOTICE  # anything else carries crisis lines: always sent
            since = self._clock() - GROUP_NOTICE_PERIOD_SECONDS
            if plain and _noticed_since(tx.execute(), str(chat_id), since):
                return UpdateResult.IGNORED_GROUP_NOTICE_RECENT
            tx.enqueue(str(chat_id), reply, kind=GROUP_NOTICE_KIND if plain else "notice")
            return UpdateResult.GROUP_NOTICE

    async def _let_go(self, update: Update) -> bool:
        """Give up on an update that keeps failing alone: its private chat gets a notice."""
        _LOGGER.error(
            "update %s failed repeatedly while others were stored; letting it go so later "
            "updates are not held up (its chat is told to send it again)",
            update.update_id,
        )
        chat = update.effective_chat
        if chat is None or chat.type != Chat.PRIVATE:
            return True
        try:
            await asyncio.to_thread(self._queue_notice, chat.id, update.update_id, failure_notice())
        except Exception:
            _LOGGER.exception("could not queue the notice for update %s", update.update_id)
            return False
        self._on_commit()
        return True


def _noticed_since(connection: Connection, chat_id: str, since: float) -> bool:
    """Whether the plain group notice was queued for ``chat_id`` at or after ``since``."""
    found = connection.execute(
        select(outbox.c.id)
        .where(outbox.c.chat_id == chat_id)
        .where(outbox.c.kind == GROUP_NOTICE_KIND)
        .where(outbox.c.created_at >= since)
        .limit(1)
    ).first()
    return found is not None


def _kind_of(update: Update) -> str:
    if update.callback_query is not None:
        return "button"
    if update.edited_message is not None:
        return "edit"
    if update.message is not None:
        return "message"
    return "other"


__all__ = ["CoreService", "TelegramHandlers"]
