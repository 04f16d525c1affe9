"""Hot reload through the real ``crisisbot run`` process and the Bot API stand-in.

The bot runs on a copy of the project's flows. A broken edit (a transition to a state that does
not exist) followed by SIGHUP is rejected: the moderators' chat is told, and the running flow
keeps answering. A fixed edit with a changed reply followed by SIGHUP is swapped in, and the next
question gets the new text. Every wait polls the stand-in (or the bot's log) until a deadline.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.botprocess import ROOT, BotProcess, write_config
from tests.auxil.updates import UpdateFactory

pytestmark = pytest.mark.e2e

TOKEN = "123:abc"
MOD_GROUP = -100_777
PERSON = 4101
READY_TIMEOUT = 60.0
TOPIC_QUESTION = "how does ketamine actually work in the brain?"
OLD_TEXT = "Ketamine blocks a receptor in the brain called the NMDA receptor"
NEW_TEXT = "In short, ketamine blocks a receptor in the brain called the NMDA receptor"
ROUTE = '  - {trigger: how_it_works, source: "*", dest: how_it_works}'
BROKEN_ROUTE = '  - {trigger: how_it_works, source: "*", dest: how_it_workz}'


class ReloadableBot(BotProcess):
    """``crisisbot run`` that can also be sent SIGHUP."""

    def hangup(self) -> None:
        """Ask the running bot to reload its flows now."""
        assert self._process is not None
        self._process.send_signal(signal.SIGHUP)


def config_on_copied_flows(folder: Path) -> tuple[Path, Path]:
    """A config whose ``flows_dir`` is a copy of the project's flows; (config, flows copy)."""
    flows = folder / "flows"
    shutil.copytree(ROOT / "flows", flows)
    path = write_config(folder)
    original = f"flows_dir: {ROOT / 'flows'}"
    text = path.read_text(encoding="utf-8")
    assert original in text
    text = text.replace(original, f"flows_dir: {flows}")
    text += f"moderation:\n  chat_id: {MOD_GROUP}\n  moderators: [501]\n"
    path.write_text(text, encoding="utf-8")
    return path, flows


def edit_flow(flows: Path, change: Callable[[str], str]) -> None:
    """Rewrite ``ketamine.yaml`` in one step, so no check ever reads half a file."""
    path = flows / "ketamine.yaml"
    draft = flows / "ketamine.yaml.draft"
    draft.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    os.replace(draft, path)


def replaced(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text
        return text.replace(old, new)

    return change


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(token=TOKEN) as standin:
        yield standin


@pytest.fixture
def bot(tmp_path: Path, standin: BotApiStandIn) -> Iterator[tuple[ReloadableBot, Path]]:
    config, flows = config_on_copied_flows(tmp_path)
    process = ReloadableBot(config, base_url=standin.base_url, token=TOKEN)
    process.start()
    try:
        standin.wait_for(lambda: len(standin.calls("getUpdates")) > 0, READY_TIMEOUT)
        yield process, flows
    finally:
        process.ensure_stopped()


def test_a_broken_edit_keeps_the_running_flow_and_a_fixed_one_is_swapped_in(
    standin: BotApiStandIn, bot: tuple[ReloadableBot, Path]
) -> None:
    process, flows = bot
    make = UpdateFactory(first_update_id=60_000)

    def wait(predicate: Callable[[], bool]) -> None:
        try:
            standin.wait_for(predicate, 30.0)
        except AssertionError:
            raise AssertionError(f"timed out; bot stderr:\n{process.stderr()[-4000:]}") from None

    def ask() -> str:
        before = len(standin.sent_texts(PERSON))
        standin.push_update(make.text(PERSON, TOPIC_QUESTION))
        wait(lambda: len(standin.sent_texts(PERSON)) > before)
        return standin.sent_texts(PERSON)[before]

    assert ask().startswith(OLD_TEXT)

    edit_flow(flows, replaced(ROUTE, BROKEN_ROUTE))
    process.hangup()
    wait(lambda: any("Flow reload rejected" in t for t in standin.sent_texts(MOD_GROUP)))
    notice = next(t for t in standin.sent_texts(MOD_GROUP) if "Flow reload rejected" in t)
    assert "how_it_workz" in notice
    assert ask().startswith(OLD_TEXT)

    edit_flow(flows, lambda text: replaced(BROKEN_ROUTE, ROUTE)(text).replace(OLD_TEXT, NEW_TEXT))
    process.hangup()
    wait(lambda: "flows reloaded" in process.stderr())
    assert ask().startswith(NEW_TEXT)
    assert process.stop() == 0
