"""A Bot API that answers 502 for a moment at start is waited for, not given up on.

Before, one 502 to ``getMe`` (or a 500 to ``deleteWebhook``) stopped ``crisisbot run`` with exit
2. Now each start-up call is retried with doubling pauses (bounded), and the bot runs once the Bot
API answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.botprocess import BotProcess, write_config
from tests.auxil.updates import UpdateFactory

pytestmark = pytest.mark.e2e

TOKEN = "123:abc"


def test_a_passing_502_at_start_is_retried_and_the_bot_runs(tmp_path: Path) -> None:
    with BotApiStandIn(token=TOKEN) as standin:
        standin.fail_next_calls("getMe", 2, status=502)
        standin.fail_next_calls("deleteWebhook", 1, status=500)
        process = BotProcess(write_config(tmp_path), base_url=standin.base_url)
        process.start()
        try:
            standin.wait_for(lambda: bool(standin.calls("getUpdates")), timeout=60)
            standin.push_update(UpdateFactory().text(77, "I want to kill myself"))
            standin.wait_for(lambda: bool(standin.sent_texts(77)), timeout=30)
            assert process.stop() == 0
        finally:
            process.ensure_stopped()
        assert len(standin.calls("getMe")) == 3
        assert len(standin.calls("deleteWebhook")) == 2
        assert "trying again" in process.stderr()
