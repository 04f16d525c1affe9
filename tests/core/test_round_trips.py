"""A group commit on PostgreSQL waits for the server a fixed number of times, whatever its size.

The read is two statements sent together, outside a transaction; the write sends its lock,
update claims and record read together, then every save and every outbox row together, then
commits. Counted from psycopg's protocol trace: the client waits for the server once per
``Sync`` (the end of a statement or of a pipeline) and per simple ``Query``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.core.service import Service
from bot.model import ConversationRecord, Inbound, InboundKind, Outcome, Reply, Route
from bot.storage import Storage
from tests.auxil.postgres import drop_pooled_connection

pytestmark = pytest.mark.postgres


class OneReply:
    """The core replaced by one fixed reply and a record that counts turns."""

    def __init__(self, before: Any = None) -> None:
        self.before = before  # called before each decision (between the read and the write)

    def prepare(self, texts: Any) -> None:
        """Nothing to prepare."""

    def process(self, record: ConversationRecord | None, inbound: Inbound) -> Outcome:
        if self.before is not None:
            self.before()
        if record is None:
            record = ConversationRecord(inbound.conversation_id, "stub", "1", "start", 1e6, 0.0)
        record = record.with_changes(turns=record.turns + 1)
        return Outcome(Route.ANSWER, (Reply("noted"),), record)


def requests(chats: int, first_update: int) -> list[tuple[Inbound, str]]:
    return [
        (
            Inbound(
                f"person:{chat}",
                InboundKind.TEXT,
                text="hello",
                received_at=1e6,
                update_id=first_update + chat,
            ),
            str(chat),
        )
        for chat in range(chats)
    ]


def waits(storage: Storage, tmp_path: Path, work: Any) -> int:
    """How many times the client waited for the server while ``work`` ran."""
    trace = tmp_path / f"trace-{len(list(tmp_path.iterdir()))}.txt"
    traced: list[Any] = []
    with trace.open("w") as sink:

        def start(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            dbapi_connection.pgconn.trace(sink.fileno())
            traced.append(dbapi_connection)

        event.listen(storage._engine, "checkout", start)
        try:
            work()
        finally:
            event.remove(storage._engine, "checkout", start)
            for connection in traced:
                connection.pgconn.untrace()
    lines = [line.split("\t") for line in trace.read_text(encoding="latin-1").splitlines()]
    return sum(1 for line in lines if line[1:2] == ["F"] and line[3] in {"Sync", "Query"})


@pytest.mark.parametrize("storage_url", ["postgres"], indirect=True)
def test_a_group_commit_waits_as_often_for_two_updates_as_for_forty(
    storage: Storage, tmp_path: Path
) -> None:
    service = Service(OneReply(), storage)  # type: ignore[arg-type]
    # records exist, and psycopg has prepared every statement (at its fifth run)
    for warm_up in range(6):
        service.handle_many(requests(2, 10_000 + 100 * warm_up))
        service.handle_many(requests(40, 20_000 + 100 * warm_up))
    two = waits(storage, tmp_path, lambda: service.handle_many(requests(2, 3000)))
    forty = waits(storage, tmp_path, lambda: service.handle_many(requests(40, 4000)))
    assert two == forty
    # the read (two statements sent together); BEGIN, the lock with the claims and the read,
    # the saves with the outbox rows, COMMIT
    assert forty == 5


@pytest.mark.parametrize("storage_url", ["postgres"], indirect=True)
def test_with_a_moderators_chat_a_group_commit_still_waits_a_fixed_number_of_times(
    storage: Storage, tmp_path: Path
) -> None:
    # The moderation listener reads the batch's unresolved cases once, not once per update.
    from bot.config import ModerationConfig
    from bot.moderation import ModerationDesk

    desk = ModerationDesk(storage, OneReply(), ModerationConfig(chat_id=-100, moderators=(1,)))  # type: ignore[arg-type]
    service = Service(OneReply(), storage, listeners=[desk.listener()])  # type: ignore[arg-type]
    for warm_up in range(6):
        service.handle_many(requests(2, 10_000 + 100 * warm_up))
        service.handle_many(requests(40, 20_000 + 100 * warm_up))
    two = waits(storage, tmp_path, lambda: service.handle_many(requests(2, 3000)))
    forty = waits(storage, tmp_path, lambda: service.handle_many(requests(40, 4000)))
    assert two == forty == 6  # one more than without: the read of the batch's cases


@pytest.mark.parametrize("storage_url", ["postgres"], indirect=True)
def test_a_connection_dropped_before_the_pipelined_write_is_written_once(
    storage: Storage,
) -> None:
    dropped: list[bool] = []

    def drop_once() -> None:
        if not dropped:
            dropped.append(True)
            drop_pooled_connection(storage)

    service = Service(OneReply(drop_once), storage)  # type: ignore[arg-type]
    results = service.handle_many(requests(3, 1))
    assert dropped == [True]
    assert all(isinstance(result, Outcome) for result in results)
    assert storage.outbox_depth() == 3
    assert storage.peek_many([("person:0", 1)])[0].seen
    assert service.handle_many(requests(3, 1)) == [None, None, None]


@pytest.mark.parametrize("storage_url", ["postgres"], indirect=True)
def test_a_statement_failing_in_the_pipeline_fails_its_update_alone(storage: Storage) -> None:
    with storage.transaction() as connection:  # the server refuses rows for chat 1 only
        connection.exec_driver_sql(
            "CREATE FUNCTION refuse_chat_1() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.chat_id = '1' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON outbox FOR EACH ROW "
            "EXECUTE FUNCTION refuse_chat_1()"
        )
    service = Service(OneReply(), storage)  # type: ignore[arg-type]
    results = service.handle_many(requests(3, 1))
    assert isinstance(results[1], Exception)
    assert "refused" in str(results[1])
    assert isinstance(results[0], Outcome)
    assert isinstance(results[2], Outcome)
    assert storage.peek("person:1", update_id=2).stored is None
    assert not storage.peek("person:1", update_id=2).seen
    assert storage.outbox_depth() == 2
