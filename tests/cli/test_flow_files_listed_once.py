"""``crisisbot check`` reads the same flow files that ``crisisbot run`` loads, and no others."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.cli.check import run_check
from bot.engine.loader import load_flow_dir
from tests.auxil.cli_runs import ROOT


def test_check_skips_the_hidden_draft_that_run_never_loads(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows, ignore=shutil.ignore_patterns("tests"))
    (flows / ".draft.yaml").write_text("name: [unfinished\n", encoding="utf-8")
    config = tmp_path / "crisisbot.yaml"
    config.write_text(
        f"flows_dir: {flows}\nstorage:\n  url: sqlite:///{tmp_path / 'bot.db'}\n",
        encoding="utf-8",
    )
    loaded = {flow.path.name for flow in load_flow_dir(flows)}
    assert ".draft.yaml" not in loaded
    assert run_check(config, [], fail_on_warnings=False) == 0
