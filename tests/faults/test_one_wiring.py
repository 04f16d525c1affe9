"""``crisisbot chat``, ``triage`` and ``run`` share one wiring, moderation desk included.

Before, ``chat`` was built without the moderation listener: with ``moderation.chat_id`` set,
``/human`` promised a person ("I've asked a person from the team to join this chat") while no
case was opened. And the desk kept the core from before a hot reload.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from bot.app import build_service
from bot.cli.chat import run_chat
from bot.config import load_config
from bot.moderation import CaseBook
from bot.runtime.reload import FlowReloader
from bot.storage import Storage
from tests.faults.wiring import ROOT, moderated_config_file


def test_human_in_the_terminal_chat_opens_a_case(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    config = moderated_config_file(tmp_path, url)
    out = io.StringIO()
    assert run_chat(config, "alex", stdin=io.StringIO("/human\n"), stdout=out) == 0
    storage = Storage.from_url(url)
    try:
        cases = CaseBook(storage).cases()
    finally:
        storage.close()
    assert [case.conversation_id for case in cases] == ["cli:alex"]


def test_the_desk_acts_with_the_core_a_reload_swapped_in(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    path = moderated_config_file(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}")
    path.write_text(
        path.read_text(encoding="utf-8").replace(str(ROOT / "flows"), str(flows)),
        encoding="utf-8",
    )
    config = load_config(path)
    service, storage, desk = build_service(config)
    try:
        assert desk is not None
        before = service.core
        assert desk.core is before
        result = FlowReloader(service, config.flows_dir, config.entry_flow).poll(force=True)
        assert result.swapped
        assert service.core is not before
        assert desk.core is service.core
    finally:
        storage.close()
