"""The recorded stream gives the same replies, records, outbox rows and cases on both backends.

The snapshot in fixtures/replay_recorded.json was taken from the service and storage before the
storage was reworked (decide outside the write lock, statements through the driver); any change
in what is stored or sent for the same input shows up here. The stream is also run, live, through
the earlier way of deciding inside the lock on the same core, so a change in the core (a gate
that routes a line differently) fails only the snapshot comparison: then re-record it with
``python -m tests.core.replay``, which records through the earlier way.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.pipeline import Core
from bot.storage import Storage
from tests.core.replay import RECORDED, DecidingInsideTheLock, run_stream


def test_deciding_outside_the_lock_stores_and_replies_as_deciding_inside_it(
    core: Core, storage: Storage, tmp_path: Path
) -> None:
    reference = Storage.from_url(f"sqlite:///{tmp_path / 'reference.db'}")
    try:
        reference.upgrade()
        expected = run_stream(core, reference, DecidingInsideTheLock)
    finally:
        reference.close()
    assert run_stream(core, storage) == expected


def test_the_stream_stores_and_replies_as_recorded(core: Core, storage: Storage) -> None:
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    replayed = json.loads(json.dumps(run_stream(core, storage), ensure_ascii=False))
    for number, (want, got) in enumerate(zip(recorded["steps"], replayed["steps"], strict=True)):
        assert got == want, f"step {number + 1} of the stream differs"
    assert replayed["outbox"] == recorded["outbox"]
    assert replayed["cases"] == recorded["cases"]
