"""The moderators' chat: only alert buttons, moderation commands and replies to the bot are read."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.telegram.adapter import Adapted, Ignored, ToDesk, adapt
from tests.auxil.updates import BOT_USER_ID, BOT_USERNAME, UpdateFactory

MOD_CHAT = -100500
MODERATOR = 501
OTHER_BOT = 777

make = UpdateFactory(first_update_id=70_000)
ALERT = make.bot_message(MOD_CHAT, "HIGH RISK · case 3", [("Claim", "mod:claim:3")], "supergroup")
ANOTHER_BOTS_MESSAGE = {**ALERT, "from": {"id": OTHER_BOT, "is_bot": True, "first_name": "Other"}}
A_PERSONS_MESSAGE = make.text(MOD_CHAT, "shall I take it?", chat_type="supergroup")["message"]


def adapted(payload: dict[str, Any]) -> Adapted:
    update = Update.de_json(payload, None)
    assert update is not None
    return adapt(
        update,
        moderation_chat_id=MOD_CHAT,
        bot_username=BOT_USERNAME,
        bot_id=BOT_USER_ID,
        now=1_700_000_000.0,
    )


def in_group(**options: Any) -> dict[str, Any]:
    return {"chat_type": "supergroup", "user_id": MODERATOR, **options}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (make.command(MOD_CHAT, "claim", "3", **in_group()), ToDesk(MODERATOR, "claim", 3)),
        (
            make.command(MOD_CHAT, "resolve", "3 safe with a friend", **in_group()),
            ToDesk(MODERATOR, "resolve", 3, "safe with a friend"),
        ),
        (
            make.command(MOD_CHAT, "note", "#3 called back later", **in_group()),
            ToDesk(MODERATOR, "note", 3, "called back later"),
        ),
        (make.command(MOD_CHAT, "queue", **in_group()), ToDesk(MODERATOR, "queue", None)),
        (
            make.command(MOD_CHAT, f"case@{BOT_USERNAME}", "3", **in_group()),
            ToDesk(MODERATOR, "case", 3),
        ),
        (make.command(MOD_CHAT, "release", "x", **in_group()), ToDesk(MODERATOR, "release", None)),
        (
            make.text(MOD_CHAT, "I'm here with you", reply_to_message=ALERT, **in_group()),
            ToDesk(
                MODERATOR, "reply", None, "I'm here with you", reply_to_ref=str(ALERT["message_id"])
            ),
        ),
    ],
    ids=[
        "claim",
        "resolve-with-reason",
        "note-hash-id",
        "queue",
        "addressed-to-us",
        "bad-case-id-gets-usage",
        "reply-to-the-bot",
    ],
)
def test_moderator_words_for_the_desk(payload: dict[str, Any], expected: ToDesk) -> None:
    assert adapted(payload) == expected


def test_an_alert_button_press_carries_the_query_to_answer() -> None:
    press = make.callback(MOD_CHAT, "mod:talk:3", message=ALERT, user_id=MODERATOR)
    assert adapted(press) == ToDesk(MODERATOR, "talk", 3, callback_id=press["callback_query"]["id"])


@pytest.mark.parametrize(
    "payload",
    [
        make.text(MOD_CHAT, "anyone around tonight?", **in_group()),
        make.command(MOD_CHAT, "start", **in_group()),
        make.command(MOD_CHAT, "claim@SomeOtherBot", "3", **in_group()),
        make.edited(MOD_CHAT, 9, "/resolve 3 edited", **in_group()),
        make.text(MOD_CHAT, "agreed", reply_to_message=A_PERSONS_MESSAGE, **in_group()),
        make.text(MOD_CHAT, "thanks", reply_to_message=ANOTHER_BOTS_MESSAGE, **in_group()),
        make.sticker(MOD_CHAT, **in_group()),
        make.callback(MOD_CHAT, "f:ketamine:how", message=ALERT, user_id=MODERATOR),
        make.callback(MOD_CHAT, "mod:delete:3", message=ALERT, user_id=MODERATOR),
    ],
    ids=[
        "chatter",
        "not-a-moderation-command",
        "command-for-another-bot",
        "edited-command",
        "reply-to-a-person",
        "reply-to-another-bot",
        "sticker",
        "flow-button",
        "unknown-mod-button",
    ],
)
def test_everything_else_in_the_moderators_chat_is_ignored(payload: dict[str, Any]) -> None:
    assert adapted(payload) == Ignored("moderation_chat")
