"""The recorded stream gives the same replies, records, outbox rows and cases on both backends.

The snapshot in fixtures/replay_recorded.json was taken from the service and storage before the
storage was reworked (decide outside the write lock, statements built once); any change in what
is stored or sent for the same input shows up here. Re-record only for an intended change in
behaviour: ``python -m tests.core.replay``.
"""

from __future__ import annotations

import json

from bot.core.pipeline import Core
from bot.storage import Storage
from tests.core.replay import RECORDED, run_stream


def test_the_stream_stores_and_replies_as_recorded(core: Core, storage: Storage) -> None:
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    replayed = json.loads(json.dumps(run_stream(core, storage), ensure_ascii=False))
    for number, (want, got) in enumerate(zip(recorded["steps"], replayed["steps"], strict=True)):
        assert got == want, f"step {number + 1} of the stream differs"
    assert replayed["outbox"] == recorded["outbox"]
    assert replayed["cases"] == recorded["cases"]
