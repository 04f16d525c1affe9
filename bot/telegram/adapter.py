"""Turn a Telegram update into what the core reads, or decide to leave it alone.

Every text-bearing update of a private chat becomes exactly one :class:`~bot.core.models.Inbound`
and goes to the core, which runs the crisis gate on it: new and edited messages, captions, commands
with their arguments, button presses and messages with nothing to read. The adapter never looks at
what a person wrote to decide anything; it only says where the text came from.

Groups other than the moderators' chat get a fixed notice (:func:`group_notice`) and nothing else:
their content is not read. Channel posts, messages from bots and update kinds the bot does not
handle are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import CallbackQuery, Chat, Message, MessageEntity, Update

from bot.core.models import Inbound, InboundKind, Reply

GROUP_NOTICE_TEXT = (
    "I only talk one to one, so nothing written in a group is read. "
    "Please send me a private message instead.\n\n"
    "If you or someone with you is in danger now, call your local emergency number "
    "(112 works from mobiles in many countries), or find a crisis line at findahelpline.com."
)


def conversation_id_for(chat_id: int) -> str:
    """The core's conversation id of a Telegram chat."""
    return f"tg:{chat_id}"


def group_notice() -> Reply:
    """The only reply a group other than the moderators' chat ever gets."""
    return Reply(text=GROUP_NOTICE_TEXT)


@dataclass(frozen=True, slots=True)
class ToCore:
    """A private chat's update for the core."""

    chat_id: int
    inbound: Inbound


@dataclass(frozen=True, slots=True)
class GroupNotice:
    """A message in a group: answer with :func:`group_notice`, read nothing."""

    chat_id: int


@dataclass(frozen=True, slots=True)
class Ignored:
    """An update the bot leaves alone; ``reason`` goes into the log line."""

    reason: str


Adapted = ToCore | GroupNotice | Ignored


def adapt(
    update: Update,
    *,
    moderation_chat_id: int | None,
    bot_username: str | None = None,
    now: float,
) -> Adapted:
    """Decide what to do with ``update``; ``now`` becomes the inbound's ``received_at``."""
    if update.callback_query is not None:
        return _adapt_button(update, update.callback_query, moderation_chat_id, now)
    message = update.message or update.edited_message
    if message is None:
        return Ignored("unhandled_kind")
    if message.from_user is not None and message.from_user.is_bot:
        return Ignored("from_bot")
    chat = message.chat
    if chat.id == moderation_chat_id:
        return Ignored("moderation_chat")  # moderator commands arrive with a later issue
    if chat.type != Chat.PRIVATE:
        if update.edited_message is not None:
            return Ignored("group_edit")  # the notice went out for the message itself
        has_words = bool(message.text or message.caption)
        return GroupNotice(chat.id) if has_words else Ignored("group_without_words")
    inbound = _inbound_from_message(
        message, edited=update.edited_message is not None, bot_username=bot_username
    )
    return ToCore(chat.id, _stamp(inbound, chat.id, update, now))


def _adapt_button(
    update: Update, query: CallbackQuery, moderation_chat_id: int | None, now: float
) -> Adapted:
    message = query.message
    if message is None or query.data is None:
        return Ignored("button_without_chat")
    chat = message.chat
    if chat.id == moderation_chat_id:
        return Ignored("moderation_chat")
    if chat.type != Chat.PRIVATE:
        return Ignored("group_button")
    label = _button_label(message, query.data) if isinstance(message, Message) else None
    inbound = Inbound(
        conversation_id="",
        kind=InboundKind.BUTTON,
        text=label or "",
        button=query.data,
    )
    return ToCore(chat.id, _stamp(inbound, chat.id, update, now))


def _inbound_from_message(message: Message, *, edited: bool, bot_username: str | None) -> Inbound:
    text = message.text
    if text is not None and not edited:
        command = _command(message, bot_username)
        if command is not None:
            name, arguments = command
            return Inbound(
                conversation_id="", kind=InboundKind.COMMAND, text=arguments, command=name
            )
    words = text if text is not None else message.caption
    if words is None:
        return Inbound(conversation_id="", kind=InboundKind.NON_TEXT)
    if edited:
        return Inbound(conversation_id="", kind=InboundKind.EDIT, text=words)
    kind = InboundKind.TEXT if text is not None else InboundKind.CAPTION
    return Inbound(conversation_id="", kind=kind, text=words)


def _command(message: Message, bot_username: str | None) -> tuple[str, str] | None:
    """``(name, arguments)`` when the message starts with a bot command, else ``None``.

    ``/start@OtherBot`` is not for this bot and is read as plain text, so it still reaches the
    gate and the flows like any other words.
    """
    text = message.text or ""
    entity = next(iter(message.entities), None)
    if entity is None or entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    word = text[: entity.length]
    name, _, addressee = word[1:].partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return None
    return name.lower(), text[entity.length :].strip()


def _button_label(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _stamp(inbound: Inbound, chat_id: int, update: Update, now: float) -> Inbound:
    """Add what every inbound carries: conversation, language, arrival time, update id."""
    user = update.effective_user
    return replace(
        inbound,
        conversation_id=conversation_id_for(chat_id),
        language_code=user.language_code if user is not None else None,
        received_at=now,
        update_id=update.update_id,
    )
