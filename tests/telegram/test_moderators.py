"""The moderators' chat through the real Application and desk, offline (no process, no network).

A person's crisis message opens a case; the alert's buttons and moderator commands reach the
desk with the update's id; refusals reach only the refused member; a moderator's Telegram reply
to a relayed message reaches the person. Every id and message here is invented.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_core
from bot.config import ModerationConfig, load_config
from bot.core.pipeline import Core
from bot.core.service import Service
from bot.moderation import Case, ModerationDesk
from bot.moderation.texts import REFUSED
from bot.storage import Storage
from bot.storage.tables import outbox
from bot.telegram.application import TelegramBot, assemble, build_application
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.moderation_people import EXAMPLE_CONFIG, HIGH_TEXT
from tests.auxil.telegram_parts import MODERATION_CHAT, OFFLINE_BASE_URL, TOKEN, as_update
from tests.auxil.telegram_parts import offline_request as offline
from tests.auxil.updates import UpdateFactory

MODERATOR = 501
MEMBER = 909  # in the moderators' group, not a moderator
PERSON = 3001


@pytest.fixture(scope="module")
def core() -> Core:
    return build_core(load_config(EXAMPLE_CONFIG), handoff_available=True)


@pytest.fixture
def desk(sqlite_storage: Storage, core: Core) -> ModerationDesk:
    config = ModerationConfig(chat_id=MODERATION_CHAT, moderators=(MODERATOR,))
    return ModerationDesk(sqlite_storage, core, config)


@pytest.fixture
async def bot(
    standin: BotApiStandIn, sqlite_storage: Storage, core: Core, desk: ModerationDesk
) -> AsyncIterator[TelegramBot]:
    """The Application wired as ``crisisbot run`` wires it with a moderators' chat."""
    service = Service(core, sqlite_storage, listeners=[desk.listener()])
    application = build_application(
        TOKEN, base_url=OFFLINE_BASE_URL, request=offline(standin), rate_limited=False
    )
    assembled = assemble(
        application,
        service,
        sqlite_storage,
        token=TOKEN,
        moderation_chat_id=MODERATION_CHAT,
        desk=desk,
    )
    async with application:
        yield assembled


class Group:
    """The person and the moderators' group, as updates into the bot."""

    def __init__(self, bot: TelegramBot, standin: BotApiStandIn) -> None:
        self.bot = bot
        self.standin = standin
        self.make = UpdateFactory(first_update_id=90_000)

    async def deliver(self, payload: dict[str, Any]) -> None:
        assert await self.bot.process(as_update(payload, self.bot))

    async def crisis(self) -> None:
        """The person writes something that opens case 1; everything queued is sent."""
        await self.deliver(self.make.text(PERSON, HIGH_TEXT))
        await self.bot.sender.flush(10)

    async def press(self, user_id: int, data: str) -> dict[str, Any]:
        """``user_id`` presses an alert button; the bot's answer to the press."""
        alert = self.make.bot_message(
            MODERATION_CHAT, "alert", [("Claim", data)], chat_type="supergroup"
        )
        await self.deliver(
            self.make.callback(MODERATION_CHAT, data, message=alert, user_id=user_id)
        )
        return self.standin.calls("answerCallbackQuery")[-1].params

    def command(self, user_id: int, name: str, args: str = "") -> dict[str, Any]:
        return self.make.command(
            MODERATION_CHAT, name, args, chat_type="supergroup", user_id=user_id
        )

    async def group_texts(self) -> list[str]:
        await self.bot.sender.flush(10)
        return self.standin.sent_texts(MODERATION_CHAT)


@pytest.fixture
def group(bot: TelegramBot, standin: BotApiStandIn) -> Group:
    return Group(bot, standin)


async def test_a_crisis_message_puts_an_alert_with_case_buttons_in_the_group(
    group: Group, standin: BotApiStandIn
) -> None:
    await group.crisis()
    [alert] = standin.sent_messages(MODERATION_CHAT)
    actions = {b["callback_data"] for row in alert["reply_markup"]["inline_keyboard"] for b in row}
    assert actions == {"mod:claim:1", "mod:talk:1", "mod:transcript:1", "mod:resolve:1"}


async def test_a_members_press_is_refused_in_a_pop_up_and_changes_nothing(
    group: Group, desk: ModerationDesk
) -> None:
    await group.crisis()
    answer = await group.press(MEMBER, "mod:claim:1")
    assert answer["text"] == REFUSED
    assert answer["show_alert"] is True
    assert case_one(desk).status.value == "open"
    assert [(e.actor_id, e.allowed) for e in desk.book.audit_trail(1)] == [(str(MEMBER), False)]
    assert all(REFUSED not in text for text in await group.group_texts())


async def test_a_moderators_press_claims_with_a_toast_and_tells_the_group(
    group: Group, desk: ModerationDesk
) -> None:
    await group.crisis()
    answer = await group.press(MODERATOR, "mod:claim:1")
    assert answer["text"] == f"Case 1 taken by {MODERATOR}."
    assert "show_alert" not in answer
    assert case_one(desk).claimed_by == MODERATOR
    assert (await group.group_texts())[-1] == f"Case 1 taken by {MODERATOR}."


async def test_a_redelivered_press_acts_once(group: Group, desk: ModerationDesk) -> None:
    await group.crisis()
    alert = group.make.bot_message(MODERATION_CHAT, "alert", [("Claim", "mod:claim:1")])
    press = group.make.callback(MODERATION_CHAT, "mod:claim:1", message=alert, user_id=MODERATOR)
    await group.deliver(press)
    await group.deliver(press)
    assert [e.action for e in desk.book.audit_trail(1)] == ["claim"]


async def test_a_refused_command_is_told_to_the_member_privately_and_not_to_the_group(
    group: Group, standin: BotApiStandIn, desk: ModerationDesk
) -> None:
    await group.crisis()
    await group.deliver(group.command(MEMBER, "resolve", "1 fine now"))
    assert standin.sent_texts(MEMBER) == [REFUSED]
    assert all(REFUSED not in text for text in await group.group_texts())
    assert case_one(desk).status.value == "open"


async def test_a_refusal_that_cannot_be_delivered_privately_is_let_go(
    group: Group, standin: BotApiStandIn
) -> None:
    await group.crisis()
    standin.fail_next_sends(1, status=403)  # the member never started the bot
    await group.deliver(group.command(MEMBER, "claim", "1"))
    [attempt] = [
        call.params for call in standin.calls("sendMessage") if call.params["chat_id"] == MEMBER
    ]
    assert attempt["_failed"] == 403
    assert standin.sent_texts(MEMBER) == []


async def test_handoff_relays_the_person_and_a_reply_to_the_relay_reaches_them(
    group: Group, standin: BotApiStandIn, sqlite_storage: Storage
) -> None:
    await group.crisis()
    await group.deliver(group.command(MODERATOR, "talk", "1"))
    await group.deliver(group.make.text(PERSON, "are you a real person?"))
    relay = (await group.group_texts())[-1]
    assert "are you a real person?" in relay
    shown = group.make.bot_message(MODERATION_CHAT, relay, [], chat_type="supergroup")
    shown["message_id"] = relay_message_id(sqlite_storage)
    reply = group.make.text(
        MODERATION_CHAT,
        "Yes, a person from the team.",
        chat_type="supergroup",
        user_id=MODERATOR,
        reply_to_message=shown,
    )
    await group.deliver(reply)
    await group.bot.sender.flush(10)
    assert standin.sent_texts(PERSON)[-1] == "Team member: Yes, a person from the team."


async def test_without_a_desk_moderation_commands_are_ignored(
    telegram_bot: TelegramBot, standin: BotApiStandIn, sqlite_storage: Storage
) -> None:
    command = UpdateFactory().command(
        MODERATION_CHAT, "claim", "1", chat_type="supergroup", user_id=MODERATOR
    )
    assert await telegram_bot.process(as_update(command, telegram_bot))
    assert sqlite_storage.outbox_depth() == 0
    assert standin.calls("sendMessage") == []


def case_one(desk: ModerationDesk) -> Case:
    found = desk.book.case(1)
    assert found is not None
    return found


def relay_message_id(storage: Storage) -> int:
    """Telegram's id of the latest relayed message, as the sender recorded it."""
    with storage.transaction(write=False) as connection:
        ref = connection.execute(
            select(outbox.c.sent_ref)
            .where(outbox.c.chat_id == str(MODERATION_CHAT), outbox.c.kind == "relay")
            .order_by(outbox.c.id.desc())
            .limit(1)
        ).scalar_one()
    return int(str(ref).split(",")[-1])
