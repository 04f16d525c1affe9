"""The recorded stream gives the same replies, records, outbox rows and cases on both backends.

The snapshot in fixtures/replay_recorded.json was taken from the service and storage before the
storage was reworked (decide outside the write lock, statements through the driver); any change
in what is stored or sent for the same input shows up here, also when the updates of different
chats are written in group commits (``Service.handle_many``, as the Telegram layer's writer runs
it). The stream is also run, live, through the earlier way of deciding inside the lock on the
same core, so a change in the core (a gate that routes a line differently) fails only the
snapshot comparison: then re-record it with ``python -m tests.core.replay``, which records through
the earlier way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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


def test_group_commits_store_and_reply_as_recorded(core: Core, storage: Storage) -> None:
    """The process's writer: the updates of different chats decided and committed together."""
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    replayed = json.loads(json.dumps(run_stream(core, storage, batch=8), ensure_ascii=False))
    for number, (want, got) in enumerate(zip(recorded["steps"], replayed["steps"], strict=True)):
        assert got == want, f"step {number + 1} of the stream differs"
    # A batch writes its crisis updates first and at one time: the chats' rows interleave
    # differently, so cases are numbered in another order and an alert's "opened ... ago" reads
    # the batch's clock; each chat's own rows and cases are the same, in the same order.
    assert by_conversation(replayed["outbox"]) == by_conversation(recorded["outbox"])
    assert by_conversation(replayed["cases"]) == by_conversation(recorded["cases"])


def by_conversation(rows: list[list[Any]]) -> dict[str, list[str]]:
    """Rows grouped by their first column (the conversation), case numbers and times blanked."""
    grouped: dict[str, list[str]] = {}
    for row in rows:
        shown = json.dumps(row, ensure_ascii=False, sort_keys=True)
        shown = re.sub(r"case \d+|(mod:\w+:)\d+", r"\1#", shown)
        shown = re.sub(r"Opened [^.]*ago\.", "Opened …", shown)
        grouped.setdefault(row[0], []).append(shown)
    return grouped
