"""Builders of Bot API update payloads (plain dicts, as Telegram sends them) for tests.

Every update gets the next ``update_id``; every message the next ``message_id`` of its chat. The
dicts are what a webhook receives and what ``getUpdates`` returns, so the same builders feed
``Update.de_json`` in unit tests and the Bot API stand-in in end-to-end tests.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

BOT_USER_ID = 4242
BOT_USERNAME = "crisisbot_test_bot"
_DATE = 1_700_000_000


def user_payload(user_id: int, *, language_code: str | None = "en") -> dict[str, Any]:
    """A person (not a bot) as the Bot API describes one."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"Person{user_id}"}
    if language_code is not None:
        user["language_code"] = language_code
    return user


def chat_payload(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
    """A chat: private chats have positive ids, groups negative ones."""
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type != "private":
        chat["title"] = f"Group {chat_id}"
    return chat


def keyboard_payload(buttons: list[tuple[str, str]]) -> dict[str, Any]:
    """An inline keyboard with one button per row, from ``(label, callback_data)`` pairs."""
    return {
        "inline_keyboard": [[{"text": label, "callback_data": data}] for label, data in buttons]
    }


class UpdateFactory:
    """Makes update dicts with increasing ``update_id`` and per-chat ``message_id``."""

    def __init__(self, first_update_id: int = 1000) -> None:
        self._update_ids = itertools.count(first_update_id)
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )

    def _message(
        self,
        chat_id: int,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
        language_code: str | None = "en",
        from_bot: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        sender = user_payload(user_id or abs(chat_id), language_code=language_code)
        if from_bot:
            sender["is_bot"] = True
        return {
            "message_id": next(self._message_ids[chat_id]),
            "date": _DATE,
            "chat": chat_payload(chat_id, chat_type),
            "from": sender,
            **fields,
        }

    def _update(self, **body: Any) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), **body}

    def text(self, chat_id: int, text: str, **options: Any) -> dict[str, Any]:
        """A new text message."""
        return self._update(message=self._message(chat_id, text=text, **options))

    def command(self, chat_id: int, name: str, args: str = "", **options: Any) -> dict[str, Any]:
        """A command such as ``/start`` with optional arguments, marked with its entity."""
        word = f"/{name}"
        text = f"{word} {args}".strip()
        entities = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        return self._update(message=self._message(chat_id, text=text, entities=entities, **options))

    def edited(self, chat_id: int, message_id: int, text: str, **options: Any) -> dict[str, Any]:
        """An edit of an earlier message of this chat, now reading ``text``."""
        message = self._message(chat_id, text=text, edit_date=_DATE + 60, **options)
        message["message_id"] = message_id
        return self._update(edited_message=message)

    def sticker(self, chat_id: int, **options: Any) -> dict[str, Any]:
        """A sticker: nothing to read."""
        sticker = {
            "file_id": "sticker-file",
            "file_unique_id": "sticker-unique",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._update(message=self._message(chat_id, sticker=sticker, **options))

    def photo(self, chat_id: int, caption: str | None = None, **options: Any) -> dict[str, Any]:
        """A photo, with a caption when given."""
        size = {"file_id": "photo-file", "file_unique_id": "photo-unique", "width": 9, "height": 9}
        fields: dict[str, Any] = {"photo": [size]}
        if caption is not None:
            fields["caption"] = caption
        return self._update(message=self._message(chat_id, **fields, **options))

    def callback(
        self,
        chat_id: int,
        data: str,
        *,
        message: dict[str, Any] | None = None,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """A press on an inline button; ``message`` is the bot's message that carried it."""
        query: dict[str, Any] = {
            "id": f"cbq-{next(self._update_ids)}",
            "from": user_payload(user_id or abs(chat_id)),
            "chat_instance": f"instance-{chat_id}",
            "data": data,
        }
        if message is not None:
            query["message"] = message
        return self._update(callback_query=query)

    def bot_message(
        self, chat_id: int, text: str, buttons: list[tuple[str, str]], chat_type: str = "private"
    ) -> dict[str, Any]:
        """A message the bot sent earlier, with its keyboard, for building button presses."""
        message = self._message(
            chat_id, chat_type=chat_type, text=text, reply_markup=keyboard_payload(buttons)
        )
        message["from"] = {"id": BOT_USER_ID, "is_bot": True, "first_name": "Crisisbot"}
        return message

    def channel_post(self, chat_id: int, text: str) -> dict[str, Any]:
        """A post in a channel the bot belongs to."""
        post = {
            "message_id": next(self._message_ids[chat_id]),
            "date": _DATE,
            "chat": chat_payload(chat_id, "channel"),
            "text": text,
        }
        return self._update(channel_post=post)
