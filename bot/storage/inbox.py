"""The inbox: updates stored as they arrive, acknowledged, and decided afterwards.

An update is *acknowledged* (the webhook's 200, the poller's next offset) once its raw JSON is
committed here by :func:`put`, many arrivals in one transaction. The process's decider then
:func:`claim`\\ s rows and decides them through the usual group commit; the transaction that
commits an update's decision also deletes its row (the processed-update claim in
:mod:`bot.storage.conversation` does both), so a row disappears exactly when its decision is
durable. A process killed after the acknowledgement and before the decision leaves the row: it
is claimed again when its lease runs out (by another replica) or at once when the same claimer
starts again (:func:`release`).

Order: rows are kept per *lane*, the chat an update belongs to. Only a lane's oldest waiting row
can be claimed, and not while another claimer holds its lease or before its ``not_before``, so a
chat's update is decided only after its earlier ones were, across replicas. A row is leased for
a while when claimed and its ``attempts`` counted then, so a row that fails, or whose process
dies, again and again can be moved aside (:func:`bury`: ``dead``, kept for the operators) instead
of holding its chat for ever. Arrivals whose update was already processed are not stored again
(Telegram re-sent it), so an update is decided once.

Functions here run on a connection inside a transaction opened by :class:`~bot.storage.Storage`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from bot.storage.driver import ListSql, Sql

MAX_ERROR_CHARS = 1000

_PUT = Sql(
    "INSERT INTO inbox (update_id, lane, payload, received_at, not_before) "
    "SELECT :update_id, :lane, :payload, :now, :now WHERE NOT EXISTS "
    "(SELECT 1 FROM processed_updates WHERE update_id = :update_id) "
    "ON CONFLICT (update_id) DO NOTHING"
)
_PUT_ROWS = Sql(
    "INSERT INTO inbox (update_id, lane, payload, received_at, not_before) "
    "SELECT u, l, p, :now, :now FROM unnest(CAST(:update_ids AS bigint[]), "
    "CAST(:lanes AS text[]), CAST(:payloads AS text[])) AS q(u, l, p) "
    "WHERE NOT EXISTS (SELECT 1 FROM processed_updates AS d WHERE d.update_id = q.u) "
    "ON CONFLICT (update_id) DO NOTHING"
)
_CLAIM = (
    "UPDATE inbox SET leased_until = :until, leased_by = :claimer, attempts = attempts + 1 "
    "WHERE update_id IN ("
    " SELECT i.update_id FROM inbox AS i"
    " WHERE NOT i.dead AND i.not_before <= :now"
    " AND (i.leased_until IS NULL OR i.leased_until <= :now)"
    " AND i.update_id = (SELECT min(h.update_id) FROM inbox AS h"
    "  WHERE h.lane = i.lane AND NOT h.dead)"
    " ORDER BY i.update_id LIMIT :limit{lock})"
    " RETURNING update_id, lane, payload, attempts, received_at"
)
# PostgreSQL skips rows another replica is claiming; SQLite holds the write lock already.
_CLAIM_BY_DIALECT = {
    "postgresql": Sql(_CLAIM.format(lock=" FOR UPDATE SKIP LOCKED")),
    "sqlite": Sql(_CLAIM.format(lock="")),
}
_SETTLE = ListSql(
    sqlite="DELETE FROM inbox WHERE update_id IN (SELECT value FROM json_each(:values))",
    postgresql="DELETE FROM inbox WHERE update_id = ANY(CAST(:values AS bigint[]))",
)
_RETRY = Sql(
    "UPDATE inbox SET leased_until = NULL, leased_by = NULL, not_before = :not_before, "
    "last_error = :error WHERE update_id = :update_id AND NOT dead"
)
_BURY = Sql(
    "UPDATE inbox SET dead = TRUE, leased_until = NULL, leased_by = NULL, last_error = :error "
    "WHERE update_id = :update_id AND NOT dead"
)
_RELEASE = Sql(
    "UPDATE inbox SET leased_until = NULL, leased_by = NULL "
    "WHERE leased_by = :claimer AND leased_until > :now AND NOT dead"
)
_FORGET_DEAD = Sql("DELETE FROM inbox WHERE dead AND received_at < :older_than")
_FIGURES = Sql(
    "SELECT (SELECT count(*) FROM inbox WHERE NOT dead), "
    "(SELECT min(received_at) FROM inbox WHERE NOT dead), "
    "(SELECT count(*) FROM inbox WHERE dead)"
)


@dataclass(frozen=True, slots=True)
class Arrival:
    """An update as it arrived: its id, its lane (the chat, as text) and its raw JSON."""

    update_id: int
    lane: str
    payload: str


@dataclass(frozen=True, slots=True)
class InboxRow:
    """A claimed row; ``attempts`` counts this claim."""

    update_id: int
    lane: str
    payload: str
    attempts: int
    received_at: float


@dataclass(frozen=True, slots=True)
class InboxFigures:
    """What waits in the inbox: how many rows, since when, and how many were moved aside."""

    waiting: int
    oldest_received_at: float | None
    dead: int


def put(connection: Connection, arrivals: Sequence[Arrival], *, now: float) -> None:
    """Store ``arrivals`` (an update already stored or processed is left as it is)."""
    unique = list({arrival.update_id: arrival for arrival in arrivals}.values())
    if not unique:
        return
    if connection.dialect.name != "postgresql":
        _PUT.execute_many(
            connection,
            [
                {"update_id": a.update_id, "lane": a.lane, "payload": a.payload, "now": now}
                for a in unique
            ],
        )
        return
    values: dict[str, Any] = {
        "update_ids": [a.update_id for a in unique],
        "lanes": [a.lane for a in unique],
        "payloads": [a.payload for a in unique],
        "now": now,
    }
    _PUT_ROWS.execute(connection, values)


def claim(
    connection: Connection, *, now: float, limit: int, lease_seconds: float, claimer: str
) -> list[InboxRow]:
    """Lease each lane's oldest waiting row that is due and not leased, oldest first."""
    statement = _CLAIM_BY_DIALECT[connection.dialect.name]
    values = {"now": now, "until": now + lease_seconds, "claimer": claimer, "limit": limit}
    rows = [
        InboxRow(int(update_id), str(lane), str(payload), int(attempts), float(received_at))
        for update_id, lane, payload, attempts, received_at in statement.all(connection, values)
    ]
    rows.sort(key=lambda row: row.update_id)
    return rows


def settle(connection: Connection, update_ids: Sequence[int]) -> None:
    """Delete the rows of ``update_ids`` (decided; most were deleted by their decision)."""
    if update_ids:
        statement = _SETTLE.on(connection)
        statement.execute(connection, {"values": _SETTLE.bind(connection, update_ids)})


def retry(connection: Connection, update_id: int, *, not_before: float, error: str) -> None:
    """End a failed row's lease; it can be claimed again from ``not_before``."""
    _RETRY.execute(
        connection,
        {"update_id": update_id, "not_before": not_before, "error": error[:MAX_ERROR_CHARS]},
    )


def bury(connection: Connection, update_id: int, *, error: str) -> bool:
    """Move a row aside (``dead``): its lane goes on without it. ``False``: it was not waiting."""
    changed = _BURY.execute(connection, {"update_id": update_id, "error": error[:MAX_ERROR_CHARS]})
    return changed > 0


def release(connection: Connection, claimer: str, *, now: float) -> int:
    """End every running lease ``claimer`` holds (it restarted); return how many."""
    return _RELEASE.execute(connection, {"claimer": claimer, "now": now})


def forget_dead(connection: Connection, *, older_than: float) -> int:
    """Delete rows moved aside that arrived before ``older_than``; return how many.

    A dead row keeps the person's update (their words) only so that operators can look into it.
    """
    return _FORGET_DEAD.execute(connection, {"older_than": older_than})


def figures(connection: Connection) -> InboxFigures:
    """How many rows wait, when the oldest arrived, and how many were moved aside."""
    waiting, oldest, dead = _FIGURES.row(connection, {})
    return InboxFigures(
        int(waiting or 0), None if oldest is None else float(oldest), int(dead or 0)
    )


__all__ = [
    "Arrival",
    "InboxFigures",
    "InboxRow",
    "bury",
    "claim",
    "figures",
    "put",
    "release",
    "retry",
    "settle",
]
