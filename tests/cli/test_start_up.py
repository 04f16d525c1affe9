"""``chat`` and ``triage`` import and build with the cyclic collector paused, then frozen.

The collector is on again once the service is built (unless it was off before), what was built is
frozen while the command runs, and the command leaves nothing frozen when it returns; the process
entry point freezes what exists as the process ends.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_lasting_service
from bot.cli.chat import run_chat
from bot.cli.main import main
from bot.cli.triage import run_triage
from bot.config import load_config
from bot.lasting import lasting
from tests.auxil.cli_runs import EXAMPLE_CONFIG, ROOT


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as a test found it: on, nothing frozen; put back afterwards."""
    was_enabled = gc.isenabled()
    gc.enable()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


@pytest.mark.usefixtures("collector")
def test_the_service_is_built_with_the_collector_on_after_and_frozen() -> None:
    service, storage, _desk = build_lasting_service(
        load_config(EXAMPLE_CONFIG), storage_url="sqlite://"
    )
    try:
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        assert service.core is not None
    finally:
        storage.close()


@pytest.mark.usefixtures("collector")
def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    _service, storage, _desk = build_lasting_service(
        load_config(EXAMPLE_CONFIG), storage_url="sqlite://"
    )
    storage.close()
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_chat_and_triage_leave_nothing_frozen(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"flows_dir: {ROOT / 'flows'}\nstorage:\n  url: sqlite:///{tmp_path / 'chat.db'}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert run_chat(config, "alex", stdin=io.StringIO("hi\n"), stdout=out) == 0
    assert "bot " in out.getvalue()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    written = io.StringIO()
    assert run_triage(EXAMPLE_CONFIG, io.BytesIO(b'{"text": "hi"}\n'), written) == 0
    assert '"route": "answer"' in written.getvalue()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("collector")
def test_the_commands_imports_are_made_with_the_collector_paused_then_frozen() -> None:
    with lasting():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    gc.disable()
    with lasting():
        pass
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_the_process_entry_point_freezes_what_exists_as_it_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.argv", ["crisisbot", "--version"])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 0
    assert gc.get_freeze_count() > 0  # the collector's passes at exit skip all of it
