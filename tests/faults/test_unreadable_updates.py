"""Updates python-telegram-bot cannot read: the real process skips them and answers the rest.

A Bot API newer than the library can send an update without a field the library requires (here a
message without ``date``, and a poll whose options lack ``voter_count``). Before, the whole batch
raised inside ``getUpdates``: the process exited, the offset never moved, and every chat was down.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.botprocess import BotProcess, write_config
from tests.auxil.updates import UpdateFactory

pytestmark = pytest.mark.e2e

TOKEN = "123:abc"
CRISIS_MESSAGE = "I have the pills counted out and tonight I am going to kill myself"
SECRET_WORDS = "my neighbour Zelphine Quorrabat knows"  # must never reach the log


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(token=TOKEN) as standin:
        yield standin


def unreadable_batch(make: UpdateFactory) -> list[dict[str, Any]]:
    """An update without ``date`` and a poll with a field missing and one the library never saw."""
    without_date = make.text(501, f"{SECRET_WORDS}, this message has no date")
    del without_date["message"]["date"]
    poll = {
        "poll": {
            "id": "77",
            "question": f"{SECRET_WORDS}?",
            "options": [{"text": "yes"}],
            "a_field_from_the_future": {"text": SECRET_WORDS},
        }
    }
    return [without_date, poll]


def test_unreadable_updates_are_skipped_and_the_crisis_message_answered(
    standin: BotApiStandIn, tmp_path: Any
) -> None:
    make = UpdateFactory(first_update_id=70_000)
    for update in unreadable_batch(make):
        standin.push_update(update)
    crisis_id = standin.push_update(make.text(502, CRISIS_MESSAGE))
    process = BotProcess(write_config(tmp_path), base_url=standin.base_url, token=TOKEN)
    process.start()
    try:
        standin.wait_for(lambda: bool(standin.sent_texts(502)), timeout=60)
        assert any("988" in text for text in standin.sent_texts(502)), process.stderr()
        standin.wait_for(lambda: crisis_id not in standin.pending_updates(), timeout=30)
        assert process.is_running(), process.stderr()
        assert process.stop() == 0
    finally:
        process.ensure_stopped()
    log = process.stderr()
    assert "skipped update" in log
    assert "Zelphine" not in log
    assert standin.pending_updates() == []  # the offset moved past the unreadable ones
