"""Groups: the gate reads every message, crisis words always get the lines, the notice is rare.

Before, every message in a group got the "write to me privately" notice (5 messages, 5 posts),
against docs/privacy.md. Now a group gets that notice at most once per hour, while every
crisis message there still gets the crisis lines, on both backends.
"""

from __future__ import annotations

from bot.core.system import GROUP_NOTICE
from bot.telegram.application import TelegramBot
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.updates import UpdateFactory
from tests.faults.wiring import as_update

GROUP = -100_321
CRISIS = "honestly I am going to kill myself tonight"


async def test_one_notice_per_group_per_period_and_crisis_lines_every_time(
    real_bot: TelegramBot, standin: BotApiStandIn
) -> None:
    make = UpdateFactory()
    payloads = [
        make.text(GROUP, f"chatting about the weather, part {n}", chat_type="group")
        for n in range(5)
    ]
    payloads += [
        make.text(GROUP, CRISIS, chat_type="supergroup"),
        make.text(GROUP, "and more chatter", chat_type="group"),
        make.text(GROUP, CRISIS, chat_type="group"),
    ]
    for payload in payloads:
        assert await real_bot.process(as_update(payload, real_bot))
    await real_bot.sender.flush(10)
    sent = standin.sent_texts(GROUP)
    assert sent.count(GROUP_NOTICE) == 1
    crisis_replies = [text for text in sent if "988" in text and text != GROUP_NOTICE]
    assert len(crisis_replies) == 2
