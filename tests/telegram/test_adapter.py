"""Update -> Inbound: every text-bearing private update is one inbound; groups get a notice."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.model import InboundKind
from bot.telegram.adapter import (
    GroupNotice,
    Ignored,
    ToCore,
    adapt,
    conversation_id_for,
)
from tests.auxil.updates import BOT_USERNAME, UpdateFactory

MODERATION_CHAT = -100500
NOW = 1_700_000_123.5


def adapted(payload: dict[str, Any]) -> ToCore | GroupNotice | Ignored:
    update = Update.de_json(payload, None)
    assert update is not None
    return adapt(update, moderation_chat_id=MODERATION_CHAT, bot_username=BOT_USERNAME, now=NOW)


def to_core(payload: dict[str, Any]) -> ToCore:
    result = adapted(payload)
    assert isinstance(result, ToCore), result
    return result


make = UpdateFactory()
BOT_MESSAGE = make.bot_message(7, "Pick one", [("How it works", "f:ketamine:how"), ("Risks", "r")])


@pytest.mark.parametrize(
    ("payload", "kind", "text", "command", "button"),
    [
        (make.text(7, "what is esketamine?"), InboundKind.TEXT, "what is esketamine?", None, None),
        (make.command(7, "start"), InboundKind.COMMAND, "", "start", None),
        (make.command(7, "country", "gb"), InboundKind.COMMAND, "gb", "country", None),
        (make.command(7, f"HELP@{BOT_USERNAME}"), InboundKind.COMMAND, "", "help", None),
        (
            make.command(7, "start@SomeOtherBot", "hello"),
            InboundKind.TEXT,
            "/start@SomeOtherBot hello",
            None,
            None,
        ),
        (make.edited(7, 3, "edited words"), InboundKind.EDIT, "edited words", None, None),
        (make.photo(7, caption="a caption"), InboundKind.CAPTION, "a caption", None, None),
        (make.photo(7), InboundKind.NON_TEXT, "", None, None),
        (make.sticker(7), InboundKind.NON_TEXT, "", None, None),
        (
            make.callback(7, "f:ketamine:how", message=BOT_MESSAGE),
            InboundKind.BUTTON,
            "How it works",
            None,
            "f:ketamine:how",
        ),
        (
            make.callback(7, "stale:button", message=BOT_MESSAGE),
            InboundKind.BUTTON,
            "",
            None,
            "stale:button",
        ),
    ],
    ids=[
        "text",
        "command",
        "command-args",
        "command-addressed-to-us",
        "command-for-another-bot-is-text",
        "edit",
        "caption",
        "photo-without-caption",
        "sticker",
        "button-with-label",
        "unknown-button",
    ],
)
def test_private_updates_become_one_inbound(
    payload: dict[str, Any],
    kind: InboundKind,
    text: str,
    command: str | None,
    button: str | None,
) -> None:
    result = to_core(payload)
    inbound = result.inbound
    assert (inbound.kind, inbound.text, inbound.command, inbound.button) == (
        kind,
        text,
        command,
        button,
    )
    assert result.chat_id == 7
    assert inbound.conversation_id == "tg:7" == conversation_id_for(7)
    assert inbound.update_id == payload["update_id"]
    assert inbound.received_at == NOW


def test_inbound_carries_the_language_of_the_person() -> None:
    inbound = to_core(make.text(8, "hola", language_code="es")).inbound
    assert inbound.language_code == "es"


def test_edited_command_is_an_edit_so_the_gate_reads_all_of_it() -> None:
    payload = make.edited(7, 4, "/start now")
    assert to_core(payload).inbound.kind is InboundKind.EDIT


@pytest.mark.parametrize(
    "payload",
    [
        make.text(-42, "a message in a group", chat_type="group"),
        make.command(-42, "start", chat_type="supergroup"),
        make.photo(-43, caption="caption in a group", chat_type="group"),
    ],
    ids=["group-text", "supergroup-command", "group-caption"],
)
def test_group_words_go_to_the_gate_only(payload: dict[str, Any]) -> None:
    result = adapted(payload)
    assert isinstance(result, GroupNotice)
    assert result.chat_id == payload["message"]["chat"]["id"]
    assert result.text
    assert result.edited is False


def test_a_group_edit_is_gated_too() -> None:
    result = adapted(make.edited(-42, 5, "edited in a group", chat_type="group"))
    assert result == GroupNotice(-42, "edited in a group", edited=True)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (make.sticker(-42, chat_type="group"), "group_without_words"),
        (make.text(MODERATION_CHAT, "moderator talk", chat_type="supergroup"), "moderation_chat"),
        (make.channel_post(-1007, "channel news"), "unhandled_kind"),
        (make.text(9, "I am a bot", from_bot=True), "from_bot"),
        (
            make.callback(-42, "x", message=make.bot_message(-42, "hi", [("x", "x")], "group")),
            "group_button",
        ),
        (make.callback(7, "x"), "button_without_chat"),
    ],
    ids=[
        "group-sticker",
        "moderation-chat",
        "channel-post",
        "other-bot",
        "group-button",
        "inline",
    ],
)
def test_updates_the_bot_leaves_alone(payload: dict[str, Any], reason: str) -> None:
    assert adapted(payload) == Ignored(reason)
