"""The moderators' chat on Telegram: hand what a moderator did to the desk, answer the actor.

The adapter has already read the update into a :class:`~bot.telegram.adapter.ToDesk`; here the
desk acts on it in a worker thread (it locks the person's conversation in storage), with the
update's id so that a re-delivered update acts once. What the desk says to the whole group is in
the outbox already; what it says to the actor alone is returned as a :class:`DeskAnswer`:

- a button press gets it as the callback answer (a pop-up for a refusal, a toast otherwise);
- a refused command gets it as a private message, best effort: a group member who never started
  the bot cannot be written to, and the group never sees it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import Bot
from telegram.error import TelegramError

from bot.telegram.adapter import ToDesk
from bot.telegram.results import UpdateResult

if TYPE_CHECKING:
    from bot.moderation import ModerationDesk

_LOGGER = logging.getLogger(__name__)
CALLBACK_TEXT_LIMIT = 200  # Telegram's limit for answerCallbackQuery's text


@dataclass(frozen=True, slots=True)
class DeskAnswer:
    """What became of a moderator's update, and what the actor alone should see."""

    result: UpdateResult  # for the update log and the metrics
    notice: str = ""
    private: bool = False  # a refusal: shown to the actor only, as a pop-up for a button


NO_DESK = DeskAnswer(UpdateResult.IGNORED_MODERATION_OFF)


async def act_on_desk(
    desk: ModerationDesk | None, adapted: ToDesk, *, update_id: int, bot: Bot
) -> DeskAnswer:
    """Let the desk act on ``adapted``; tell a refused commander privately (best effort)."""
    if desk is None:
        return NO_DESK
    done = await asyncio.to_thread(
        desk.act,
        actor_id=adapted.actor_id,
        action=adapted.action,
        case_id=adapted.case_id,
        text=adapted.text,
        reply_to_ref=adapted.reply_to_ref,
        update_id=update_id,
    )
    if done.duplicate:
        return DeskAnswer(UpdateResult.DUPLICATE)
    if not done.allowed:
        if adapted.callback_id is None:
            await _tell_privately(bot, adapted.actor_id, done.notice)
        return DeskAnswer(UpdateResult.REFUSED, done.notice, private=True)
    return DeskAnswer(UpdateResult.MODERATION, done.notice, private=done.private)


async def answer_press(bot: Bot, callback_id: str, answer: DeskAnswer | None) -> None:
    """Stop a button's spinner, with the desk's notice when there is one."""
    text = answer.notice[:CALLBACK_TEXT_LIMIT] if answer is not None else ""
    show_alert = True if answer is not None and answer.private and text else None
    try:
        await bot.answer_callback_query(callback_id, text=text or None, show_alert=show_alert)
    except TelegramError as error:  # an old query cannot be answered; no harm
        _LOGGER.info("callback query not answered: %s", error)


async def _tell_privately(bot: Bot, user_id: int, text: str) -> None:
    if not text:
        return
    try:
        await bot.send_message(chat_id=user_id, text=text)
    except TelegramError as error:  # they never started the bot: nothing more to do
        _LOGGER.info("refusal not delivered privately: %s", type(error).__name__)


__all__ = ["CALLBACK_TEXT_LIMIT", "NO_DESK", "DeskAnswer", "act_on_desk", "answer_press"]
