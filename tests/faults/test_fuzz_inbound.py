"""Fuzzing the inbound path: hostile update JSON and text through the real parts.

Generated updates go through the poller's per-update reader, the Application, the handlers, the
adapter and the real core on a real SQLite file; after each, another chat's ordinary message
must still be answered (nothing one update does may lose another's). Generated crisis messages
with junk injected (unpaired surrogates, NUL, control and format characters, emoji, stray
punctuation) must still take the crisis route. Bounded for CI: a fixed number of examples, no
per-example deadline (the machine may be shared).
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.app import Wiring, build_service
from bot.config import PTB_TIMEDELTA_ENV, load_config
from bot.health.metrics import Metrics
from bot.model import Route
from bot.telegram.adapter import ToCore, adapt
from bot.telegram.application import TelegramBot, assemble, build_application
from bot.telegram.poller import read_batch
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.telegram_parts import OFFLINE_BASE_URL, TOKEN, offline_request
from tests.faults.wiring import MOD_CHAT, moderated_config_file

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same examples on every run: a CI failure can be reproduced
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
BYSTANDER = 9_999
CRISIS_SENTENCES = (
    "I want to kill myself",
    "i have the pills ready and i am going to take them all tonight",
    "I keep thinking about ending my life",
    "honestly I just want to die",
)
# Junk the edge or the gate removes (anywhere, even inside a word: a replacement or private-use
# character too) and junk the gate must read past
# (between words): controls other than line breaks, format characters, symbols and emoji.
# Punctuation and line breaks are left out: they end a sentence, which changes what it says;
# so are symbols that normalise to letters, which add a word.


def holds_no_word(char: str) -> bool:
    """No letter or digit, even after compatibility normalisation (U+3200 is "(ᄀ)")."""
    return not any(part.isalnum() for part in unicodedata.normalize("NFKC", char))


# A high surrogate right before a low one is a real character (an emoji), not junk: the NUL
# in each token keeps an injected high and low surrogate apart.
EDGE_JUNK = st.sampled_from(
    ["\x00", "\ud83d\x00", "\x00\udc80", "\x00\ude00\x00", "\ud800", "\ufffd", "\ue000"]
)
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85"
WORD_JUNK = st.text(
    alphabet=st.one_of(
        st.characters(categories=["Cc", "Cf", "So"], exclude_characters=LINE_BREAKS).filter(
            holds_no_word
        ),
        st.sampled_from(["\ud83d", "\x00", "\U0001f600", "\u200b", "\ufeff"]),
    ),
    min_size=1,
    max_size=4,
)


class Rig:
    """The real wiring on SQLite behind the offline Application, on one event loop."""

    def __init__(self, folder: Path) -> None:
        url = f"sqlite:///{folder / 'fuzz.db'}"
        self.wiring: Wiring = build_service(load_config(moderated_config_file(folder, url)))
        self.standin = BotApiStandIn(token=TOKEN)
        self.loop = asyncio.new_event_loop()
        application = build_application(
            TOKEN,
            base_url=OFFLINE_BASE_URL,
            request=offline_request(self.standin),
            get_updates_request=offline_request(self.standin),
            rate_limited=False,
        )
        self.bot: TelegramBot = assemble(
            application,
            self.wiring.service,
            self.wiring.storage,
            token=TOKEN,
            moderation_chat_id=MOD_CHAT,
            desk=self.wiring.desk,
        )
        self.loop.run_until_complete(application.initialize())
        self.next_id = 1

    def close(self) -> None:
        self.loop.run_until_complete(self.bot.application.shutdown())
        self.loop.close()
        self.wiring.storage.close()

    def update_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def process(self, raw: dict[str, Any]) -> list[bool]:
        """Read ``raw`` as the poller does, then process what could be read."""
        fetched = read_batch([raw], self.bot.application.bot, Metrics())
        return [
            self.loop.run_until_complete(self.bot.process(item.update))
            for item in fetched
            if item.update is not None
        ]

    def bystander_is_answered(self) -> bool:
        """Another chat's ordinary question goes through and is answered in the outbox."""
        before = self.wiring.storage.outbox_depth()
        done = self.process(message(self.update_id(), BYSTANDER, "what is esketamine"))
        return done == [True] and self.wiring.storage.outbox_depth() > before


def message(update_id: int, chat_id: int, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Fuzz"},
            "text": text,
            **extra,
        },
    }


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    monkeypatch.setenv(PTB_TIMEDELTA_ENV, "true")
    built = Rig(tmp_path)
    yield built
    built.close()


JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = ("text", "caption", "entities", "chat", "from", "date", "reply_markup", "edit_date")
KINDS = ("message", "edited_message", "callback_query", "channel_post", "poll", "my_chat_member")


@st.composite
def hostile_updates(draw: st.DrawFn) -> dict[str, Any]:
    """A plausible update with fields replaced, removed or added, and text full of junk."""
    chat_id = draw(st.integers(min_value=-(10**13), max_value=10**13).filter(lambda c: c != 0))
    text = draw(st.text(max_size=300)) + draw(st.one_of(st.just(""), EDGE_JUNK))
    update = message(0, chat_id, text)
    body = update.pop("message")
    if draw(st.booleans()):
        body["chat"]["type"] = draw(st.sampled_from(["private", "group", "supergroup", "channel"]))
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        if draw(st.booleans()):
            body.pop(field, None)
        else:
            body[field] = draw(JSON_VALUE)
    kind = draw(st.sampled_from(KINDS))
    if kind == "callback_query":
        update[kind] = {
            "id": "q",
            "from": body.get("from"),
            "chat_instance": "i",
            "data": draw(st.text(max_size=64)),
            "message": body,
        }
    else:
        update[kind] = body
    extra = draw(st.dictionaries(st.text(max_size=10), JSON_VALUE, max_size=2))
    return {**extra, **update}


@FUZZ
@given(raw=hostile_updates())
def test_no_update_crashes_the_path_or_loses_another_chats_message(
    rig: Rig, raw: dict[str, Any]
) -> None:
    raw["update_id"] = rig.update_id()
    results = rig.process(raw)
    assert all(results), raw  # what the library can read is stored, never failed
    assert rig.bystander_is_answered()


@st.composite
def crisis_with_junk(draw: st.DrawFn) -> str:
    words = draw(st.sampled_from(CRISIS_SENTENCES)).split(" ")
    out: list[str] = []
    for word in words:
        chars = list(word)
        for _ in range(draw(st.integers(min_value=0, max_value=2))):  # junk inside the word
            chars.insert(draw(st.integers(0, len(chars))), draw(EDGE_JUNK))
        out.append("".join(chars))
        if draw(st.booleans()):  # junk between words
            out.append(draw(WORD_JUNK))
    casing = draw(st.sampled_from([str, str.lower, str.upper]))
    return casing(" ".join(out))


@FUZZ
@given(text=crisis_with_junk())
def test_crisis_text_with_injected_junk_still_gets_the_crisis_route(rig: Rig, text: str) -> None:
    chat_id = rig.update_id()  # a new person each time: the first message is the crisis one
    update = Update.de_json(message(rig.update_id(), chat_id, text), rig.bot.application.bot)
    assert update is not None
    adapted = adapt(update, moderation_chat_id=MOD_CHAT, now=1_700_000_000.0)
    assert isinstance(adapted, ToCore)
    outcome = rig.wiring.service.handle(adapted.inbound, deliver_to=str(adapted.chat_id))
    assert outcome is not None
    assert outcome.route is Route.CRISIS, repr(text)
    assert "988" in "\n".join(reply.full_text() for reply in outcome.replies)
