"""Characters storage refuses (an unpaired surrogate, NUL) are cleaned at the edge.

Before, a crisis message holding one made the transaction abort on SQLite and PostgreSQL: no
crisis reply, no case, no alert. Now the adapter drops them from every text it passes on, so the
crisis message gets its reply and a case on both backends, and every other inbound path stores.
"""

from __future__ import annotations

import json

import pytest

from bot.app import Wiring
from bot.clean_text import clean_text
from bot.moderation import CaseBook
from bot.telegram.application import TelegramBot
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.updates import UpdateFactory
from tests.faults.wiring import MOD_CHAT, as_update

PERSON = 7301
LONE = json.loads('"\\ud83d"')  # what a JSON "\ud83d" decodes to: half of a surrogate pair
CRISIS_WITH_JUNK = {
    "lone surrogate": f"I have the pills and tonight I will kill myself {LONE}",
    "surrogate inside a word": f"I have the pills and tonight I will ki{LONE}ll myself",
    "NUL": "I have the pills and tonight I will kill\x00 myself\x00",
}


def test_clean_text_drops_only_unpaired_surrogates_and_nul() -> None:
    pair = "\ud83d\ude00"  # a pair split into two code points is one character again
    assert clean_text(f"a{LONE}b\x00c {pair} \ude00 é") == "abc \U0001f600  é"
    assert clean_text("nothing to clean") == "nothing to clean"


@pytest.mark.parametrize("text", CRISIS_WITH_JUNK.values(), ids=CRISIS_WITH_JUNK.keys())
async def test_a_crisis_message_with_junk_gets_the_crisis_reply_and_a_case(
    real_bot: TelegramBot, standin: BotApiStandIn, wiring: Wiring, text: str
) -> None:
    update = as_update(UpdateFactory().text(PERSON, text), real_bot)
    assert await real_bot.process(update)
    await real_bot.sender.flush(10)
    assert any("988" in sent for sent in standin.sent_texts(PERSON))
    cases = CaseBook(wiring.storage).cases()
    assert [case.conversation_id for case in cases] == [f"tg:{PERSON}"]
    assert standin.sent_texts(MOD_CHAT)  # the moderators were alerted


async def test_every_inbound_path_with_junk_is_stored_during_a_case(
    real_bot: TelegramBot, standin: BotApiStandIn, wiring: Wiring
) -> None:
    """While a case is open the person's words go into its transcript: every path must store."""
    make = UpdateFactory()
    opening = make.text(PERSON, CRISIS_WITH_JUNK["NUL"].replace("\x00", ""))
    assert await real_bot.process(as_update(opening, real_bot))
    junk = f"{LONE}\x00"
    payloads = [
        make.text(PERSON, f"what is esketamine {junk}"),
        make.edited(PERSON, 1, f"what is ketamine{junk}"),
        make.photo(PERSON, caption=f"a caption {junk}"),
        make.command(PERSON, "start", f"arg{junk}"),
        make.callback(
            PERSON,
            f"f:more{junk}",
            message=make.bot_message(PERSON, "Menu", [(f"More{junk}", f"f:more{junk}")]),
        ),
        make.text(-100_9, f"hello group{junk}", chat_type="group"),
        make.command(MOD_CHAT, "queue", junk, user_id=601, chat_type="supergroup"),
    ]
    for payload in payloads:
        assert await real_bot.process(as_update(payload, real_bot)), payload
    (case,) = CaseBook(wiring.storage).cases()
    assert CaseBook(wiring.storage).line_count(case.id) > 1
