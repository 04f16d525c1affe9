"""Storage benchmark: bytes per stored conversation and the cost of one update.

    .venv/bin/python bench/storage_bench.py          # 10,000 conversations, SQLite and PostgreSQL
    .venv/bin/python bench/storage_bench.py --large  # 100,000 conversations
    .venv/bin/python bench/storage_bench.py --backends sqlite --updates 5000

For each backend it stores the conversations (invented records, one in ten in crisis mode),
measures the space the ``conversations`` table and its indexes take, then times updates as the
bot does them: one conversation transaction with a processed ``update_id``, load, save and one
enqueued reply. SQLite runs on a file in a temporary folder; PostgreSQL in a schema of its own in
the database at ``--pg-url`` (dropped afterwards).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from bot.errors import StorageError
from bot.model import Button, ConversationRecord, CrisisState, Reply, Risk, Signal
from bot.storage import Storage
from bot.storage.conversation import SqlConversationTx

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 1000
REPLY = Reply(
    "Ketamine for depression is given under medical supervision; this is general education, "
    "not advice for you. Sources: see the links below. " * 3,
    (Button("Tell me more", "more"), Button("Back to the menu", "menu")),
)


def invented_record(number: int, now: float) -> ConversationRecord:
    """A record shaped like the bot's: a flow position, locale, and sometimes crisis mode."""
    record = ConversationRecord(
        conversation_id=str(100_000_000 + number),
        flow="ketamine_basics",
        flow_version="3",
        state=random.choice(["menu", "what_is_it", "evidence", "side_effects", "costs"]),
        created_at=now - 86_400.0,
        updated_at=now,
        country=random.choice(["NZ", "GB", "US", "DE", None]),
        language_code=random.choice(["en", "de", None]),
        turns=random.randint(1, 40),
    )
    if number % 10 == 0:
        record = record.with_changes(
            state="crisis_hold",
            crisis=CrisisState(
                since=now - 600.0,
                risk=Risk.HIGH,
                category="self_harm",
                rule="bench-rule",
                last_signal_at=now - 300.0,
                replies_sent=2,
            ),
            signals=(Signal(at=now - 900.0, kind="loss", weight=0.3),),
        )
    return record


@contextmanager
def open_backend(backend: str, pg_url: str) -> Iterator[Storage]:
    """A fresh, upgraded storage of ``backend``, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="crisisbot-bench-") as folder:
            storage = Storage.from_url(f"sqlite:///{Path(folder) / 'bench.db'}")
            try:
                storage.upgrade()
                yield storage
            finally:
                storage.close()
        return
    schema = f"crisisbot_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        separator = "&" if "?" in pg_url else "?"
        storage = Storage.from_url(f"{pg_url}{separator}options=-csearch_path%3D{schema}")
        try:
            storage.upgrade()
            yield storage
        finally:
            storage.close()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def populate(storage: Storage, count: int, now: float) -> None:
    """Store ``count`` records through the conversation transaction's own save, in batches."""
    for start in range(0, count, BATCH):
        with storage.transaction() as connection:
            for number in range(start, min(start + BATCH, count)):
                record = invented_record(number, now)
                SqlConversationTx(connection, record.conversation_id).save(record)


def table_bytes(connection: Connection) -> int:
    """Space of the conversations table with its indexes."""
    if connection.dialect.name == "postgresql":
        size = connection.execute(text("SELECT pg_total_relation_size('conversations')"))
        return int(size.scalar_one())
    try:
        size = connection.execute(
            text(
                "SELECT SUM(pgsize) FROM dbstat WHERE name = 'conversations' OR name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = 'conversations')"
            )
        )
        return int(size.scalar_one())
    except OperationalError:  # dbstat is optional in SQLite builds: count the file's used pages
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
        free = connection.exec_driver_sql("PRAGMA freelist_count").scalar_one()
        page_size = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
        return int((pages - free) * page_size)


def time_updates(storage: Storage, count: int, updates: int, now: float) -> list[float]:
    """Milliseconds per update: dedup mark, load, save, enqueue, commit."""
    timings = []
    for update_id in range(1, updates + 1):
        conversation_id = str(100_000_000 + random.randrange(count))
        started = time.perf_counter()
        with storage.conversation(conversation_id, update_id=update_id) as tx:
            assert tx is not None
            record = tx.load()
            assert record is not None
            tx.save(record.with_changes(turns=record.turns + 1, updated_at=now + update_id))
            tx.enqueue(conversation_id, REPLY)
        timings.append((time.perf_counter() - started) * 1000.0)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(backend: str, count: int, updates: int, pg_url: str) -> None:
    random.seed(7)
    now = time.time()
    with open_backend(backend, pg_url) as storage:
        started = time.perf_counter()
        populate(storage, count, now)
        populate_s = time.perf_counter() - started
        with storage.transaction() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("ANALYZE conversations"))
            total = table_bytes(connection)
            mean_json = connection.execute(
                text("SELECT AVG(LENGTH(record)) FROM conversations")
            ).scalar_one()
        timings = time_updates(storage, count, updates, now)
    print(
        f"{backend:9} {count:>8,} conversations  {total / count:7.0f} B/conversation "
        f"(JSON {mean_json:.0f} B)  stored in {populate_s:5.1f} s   "
        f"update p50 {statistics.median(timings):6.2f} ms  p99 {percentile(timings, 0.99):6.2f} ms "
        f"({updates:,} updates: dedup + load + save + enqueue + commit)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="conversations to store")
    parser.add_argument("--large", action="store_true", help="store 100,000 conversations")
    parser.add_argument("--updates", type=int, default=2_000, help="updates to time")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL database to use")
    args = parser.parse_args()
    count = 100_000 if args.large else args.count
    for backend in args.backends.split(","):
        try:
            run(backend.strip(), count, args.updates, args.pg_url)
        except (StorageError, psycopg.OperationalError) as exc:
            print(f"{backend:9} skipped: {exc}")


if __name__ == "__main__":
    main()
