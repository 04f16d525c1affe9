"""Turn a Telegram update into what the core reads, or decide to leave it alone.

Every text-bearing update of a private chat becomes exactly one :class:`~bot.model.Inbound`
and goes to the core, which runs the crisis gate on it: new and edited messages, captions, commands
with their arguments, button presses and messages with nothing to read. The adapter never looks at
what a person wrote to decide anything; it only says where the text came from.

In the moderators' chat only three things are read, and they go to the moderation desk
(:class:`ToDesk`): a press on an alert button (``mod:<action>:<case>``), a moderation command
(``/queue``, ``/case 12``, ``/resolve 12 reason``...), and a reply to one of the bot's own
messages (a moderator answering a relayed message). Everything else written there is ignored.

In groups other than the moderators' chat no flows run: the words go to the core only for its
crisis gate (:meth:`bot.core.pipeline.Core.group_reply`), which answers with crisis lines when
they are needed and otherwise asks people to write privately (once per group per hour, see
:mod:`bot.telegram.handlers`). Channel posts, messages from bots
and update kinds the bot does not handle are ignored.

Every text that leaves the adapter (words, captions, commands and their arguments, button data
and labels, moderators' words, the language code) is cleaned by :func:`bot.clean_text.clean_text`
first: an unpaired surrogate or NUL in it would make storage refuse the whole update.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import CallbackQuery, Chat, Message, MessageEntity, Update

from bot.clean_text import clean_optional, clean_text
from bot.model import Inbound, InboundKind
from bot.moderation.commands import parse_button, parse_command
from bot.telegram.results import IgnoredReason


def conversation_id_for(chat_id: int) -> str:
    """The core's conversation id of a Telegram chat."""
    return f"tg:{chat_id}"


@dataclass(frozen=True, slots=True)
class ToCore:
    """A private chat's update for the core."""

    chat_id: int
    inbound: Inbound


@dataclass(frozen=True, slots=True)
class GroupNotice:
    """A message in a group: no flows run; the core's crisis gate still reads ``text``."""

    chat_id: int
    text: str = ""
    edited: bool = False


@dataclass(frozen=True, slots=True)
class Ignored:
    """An update the bot leaves alone; ``reason`` goes into the log line."""

    reason: IgnoredReason


@dataclass(frozen=True, slots=True)
class ToDesk:
    """A moderation command, alert button press or reply in the moderators' chat."""

    actor_id: int
    action: str
    case_id: int | None
    text: str = ""
    reply_to_ref: str | None = None  # the bot's message id a moderator replied to
    callback_id: str | None = None  # set for a button press, which must be answered


Adapted = ToCore | GroupNotice | Ignored | ToDesk


def adapt(
    update: Update,
    *,
    moderation_chat_id: int | None,
    bot_username: str | None = None,
    bot_id: int | None = None,
    now: float,
) -> Adapted:
    """Decide what to do with ``update``; ``now`` becomes the inbound's ``received_at``.

    ``bot_id`` tells the bot's own messages apart from other bots' in the moderators' chat.
    """
    return _cleaned(_adapt(update, moderation_chat_id, bot_username, bot_id, now))


def _cleaned(adapted: Adapted) -> Adapted:
    """``adapted`` with every text in it cleaned (see the module's docstring)."""
    if isinstance(adapted, ToCore):
        inbound = adapted.inbound
        text = clean_text(inbound.text)
        command = clean_optional(inbound.command)
        button = clean_optional(inbound.button)
        language_code = clean_optional(inbound.language_code)
        if (
            text is inbound.text
            and command is inbound.command
            and button is inbound.button
            and language_code is inbound.language_code
        ):
            return adapted  # nearly always: nothing to clean, nothing to copy
        clean = replace(
            inbound, text=text, command=command, button=button, language_code=language_code
        )
        return replace(adapted, inbound=clean)
    if isinstance(adapted, GroupNotice | ToDesk):
        return replace(adapted, text=clean_text(adapted.text))
    return adapted


def _adapt(
    update: Update,
    moderation_chat_id: int | None,
    bot_username: str | None,
    bot_id: int | None,
    now: float,
) -> Adapted:
    if update.callback_query is not None:
        return _adapt_button(update, update.callback_query, moderation_chat_id, now)
    message = update.message or update.edited_message
    if message is None:
        return Ignored(IgnoredReason.UNHANDLED_KIND)
    if message.from_user is not None and message.from_user.is_bot:
        return Ignored(IgnoredReason.FROM_BOT)
    chat = message.chat
    if chat.id == moderation_chat_id:
        if update.edited_message is not None:
            return Ignored(IgnoredReason.MODERATION_CHAT)  # an edit never acts twice
        return _adapt_moderation_message(message, bot_username, bot_id)
    if chat.type != Chat.PRIVATE:
        words = _text_of(message) or _str(message.caption) or ""
        if not words:
            return Ignored(IgnoredReason.GROUP_WITHOUT_WORDS)
        return GroupNotice(chat.id, words, edited=update.edited_message is not None)
    inbound = _inbound_from_message(
        message, edited=update.edited_message is not None, bot_username=bot_username
    )
    return ToCore(chat.id, _stamp(inbound, chat.id, update, now))


def _adapt_button(
    update: Update, query: CallbackQuery, moderation_chat_id: int | None, now: float
) -> Adapted:
    message = query.message
    data = _str(query.data)
    if message is None or data is None:
        return Ignored(IgnoredReason.BUTTON_WITHOUT_CHAT)
    chat = message.chat
    if chat.id == moderation_chat_id:
        parsed = parse_button(data)
        if parsed is None:
            return Ignored(IgnoredReason.MODERATION_CHAT)
        return ToDesk(query.from_user.id, parsed.action, parsed.case_id, callback_id=query.id)
    if chat.type != Chat.PRIVATE:
        return Ignored(IgnoredReason.GROUP_BUTTON)
    label = _button_label(message, data) if isinstance(message, Message) else None
    inbound = Inbound(
        conversation_id="",
        kind=InboundKind.BUTTON,
        text=label or "",
        button=data,
    )
    return ToCore(chat.id, _stamp(inbound, chat.id, update, now))


def _adapt_moderation_message(
    message: Message, bot_username: str | None, bot_id: int | None
) -> Adapted:
    """A moderation command, or a reply to one of the bot's messages; nothing else is read."""
    user = message.from_user
    text = _text_of(message)
    if user is None or text is None:
        return Ignored(IgnoredReason.MODERATION_CHAT)
    if _starts_with_command(message):
        command = _command(message, bot_username)
        parsed = parse_command(f"/{command[0]} {command[1]}") if command is not None else None
        if parsed is None:  # another bot's command, or not a moderation command
            return Ignored(IgnoredReason.MODERATION_CHAT)
        return ToDesk(user.id, parsed.action, parsed.case_id, parsed.rest)
    replied = message.reply_to_message
    author = replied.from_user if replied is not None else None
    if replied is None or author is None or not author.is_bot:
        return Ignored(IgnoredReason.MODERATION_CHAT)
    if bot_id is not None and author.id != bot_id:
        return Ignored(IgnoredReason.MODERATION_CHAT)
    return ToDesk(user.id, "reply", None, text, reply_to_ref=str(replied.message_id))


def _starts_with_command(message: Message) -> bool:
    """Whether the message opens with a bot command entity (``/name`` or ``/name@bot``)."""
    entity = next(iter(message.entities), None)
    return entity is not None and entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0


def _inbound_from_message(message: Message, *, edited: bool, bot_username: str | None) -> Inbound:
    text = _text_of(message)
    if text is not None and not edited:
        command = _command(message, bot_username)
        if command is not None:
            name, arguments = command
            return Inbound(
                conversation_id="", kind=InboundKind.COMMAND, text=arguments, command=name
            )
    words = text if text is not None else _str(message.caption)
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
    if not _starts_with_command(message):
        return None
    text = _text_of(message) or ""
    entity = message.entities[0]
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
                return _str(button.text)
    return None


def _str(value: object) -> str | None:
    """``value`` if it is text; the library passes a malformed field through as it came."""
    return value if isinstance(value, str) else None


def _text_of(message: Message) -> str | None:
    return _str(message.text)


def _stamp(inbound: Inbound, chat_id: int, update: Update, now: float) -> Inbound:
    """Add what every inbound carries: conversation, language, arrival time, update id."""
    user = update.effective_user
    return replace(
        inbound,
        conversation_id=conversation_id_for(chat_id),
        language_code=_str(user.language_code) if user is not None else None,
        received_at=now,
        update_id=update.update_id,
    )
