"""Re-alert timers in the database: they survive restarts and fire once across replicas.

A timer is claimed with ``UPDATE ... SET fired_at = now WHERE id = :id AND fired_at IS NULL``
and fires only for the claimer whose UPDATE changed the row: on SQLite the write lock makes the
claims sequential; on PostgreSQL a second claimer waits for the first one's row lock and then
finds ``fired_at`` set (READ COMMITTED re-checks the condition), so it changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from bot.moderation.models import CaseStatus
from bot.moderation.tables import case_timers, cases

REALERT = "realert"


@dataclass(frozen=True, slots=True)
class DueTimer:
    """A timer whose time has come, with what is needed to lock its case's conversation."""

    id: int
    case_id: int
    conversation_id: str
    due_at: float


def schedule(connection: Connection, case_id: int, *, due_at: float, kind: str = REALERT) -> None:
    """Replace the case's unfired timers of ``kind`` with one due at ``due_at``."""
    cancel(connection, case_id, kind=kind)
    connection.execute(insert(case_timers).values(case_id=case_id, kind=kind, due_at=due_at))


def cancel(connection: Connection, case_id: int, *, kind: str = REALERT) -> int:
    """Drop the case's unfired timers of ``kind``; return how many."""
    result = connection.execute(
        delete(case_timers).where(
            case_timers.c.case_id == case_id,
            case_timers.c.kind == kind,
            case_timers.c.fired_at.is_(None),
        )
    )
    return int(result.rowcount)


def due(connection: Connection, *, now: float, limit: int = 100) -> list[DueTimer]:
    """Unfired timers due at ``now``: the most urgent case first, then the earliest due."""
    rows = connection.execute(
        select(
            case_timers.c.id,
            case_timers.c.case_id,
            case_timers.c.due_at,
            cases.c.conversation_id,
        )
        .join(cases, cases.c.id == case_timers.c.case_id)
        .where(case_timers.c.fired_at.is_(None), case_timers.c.due_at <= now)
        .order_by(cases.c.risk_rank.desc(), case_timers.c.due_at, case_timers.c.id)
        .limit(limit)
    )
    return [
        DueTimer(int(row.id), int(row.case_id), str(row.conversation_id), float(row.due_at))
        for row in rows
    ]


def claim(connection: Connection, timer_id: int, *, now: float) -> bool:
    """Mark the timer fired; ``True`` only for the one caller whose update changed it."""
    claimed = connection.execute(
        update(case_timers)
        .where(case_timers.c.id == timer_id, case_timers.c.fired_at.is_(None))
        .values(fired_at=now)
        .returning(case_timers.c.id)
    ).first()
    return claimed is not None


def pending_for(connection: Connection, case_id: int) -> list[float]:
    """Due times of the case's unfired timers, earliest first."""
    rows = connection.execute(
        select(case_timers.c.due_at)
        .where(case_timers.c.case_id == case_id, case_timers.c.fired_at.is_(None))
        .order_by(case_timers.c.due_at)
    )
    return [float(value) for value in rows.scalars()]


def unclaimed(status: CaseStatus) -> bool:
    """Whether a case in ``status`` still needs re-alerts."""
    return status is CaseStatus.OPEN


__all__ = ["REALERT", "DueTimer", "cancel", "claim", "due", "pending_for", "schedule", "unclaimed"]
