"""Queries on the ``cases`` table. Each runs on a connection inside the caller's transaction.

A conversation has at most one unresolved case (a partial unique index enforces it); callers
hold the conversation's lock (:meth:`bot.storage.Storage.conversation`) while changing a case,
so the listener and a moderator never race on one person's case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bot.model import Risk
from bot.moderation.models import FORGOTTEN_PREFIX, Case, CaseStatus
from bot.moderation.tables import cases

_UNRESOLVED = cases.c.status != CaseStatus.RESOLVED.value


def open_case(
    connection: Connection,
    *,
    conversation_id: str,
    chat_id: str | None,
    risk: Risk | None,
    category: str | None,
    rule: str | None,
    human_requested: bool,
    now: float,
) -> Case:
    """Insert a new open case and return it."""
    case_id = connection.execute(
        insert(cases)
        .values(
            conversation_id=conversation_id,
            chat_id=chat_id,
            risk=risk.value if risk is not None else None,
            risk_rank=risk.rank if risk is not None else 0,
            category=category,
            rule=rule,
            status=CaseStatus.OPEN.value,
            human_requested=human_requested,
            opened_at=now,
            updated_at=now,
        )
        .returning(cases.c.id)
    ).scalar_one()
    found = get(connection, int(case_id))
    assert found is not None
    return found


def get(connection: Connection, case_id: int) -> Case | None:
    """The case with ``case_id``, or ``None``."""
    row = connection.execute(select(cases).where(cases.c.id == case_id)).first()
    return Case.from_row(row) if row is not None else None


def unresolved_of(connection: Connection, conversation_id: str) -> Case | None:
    """The conversation's unresolved case, if it has one."""
    row = connection.execute(
        select(cases).where(cases.c.conversation_id == conversation_id, _UNRESOLVED)
    ).first()
    return Case.from_row(row) if row is not None else None


def with_unresolved(connection: Connection, conversation_ids: Sequence[str]) -> set[str]:
    """Which of ``conversation_ids`` have an unresolved case, in one statement."""
    if not conversation_ids:
        return set()
    rows = connection.execute(
        select(cases.c.conversation_id)
        .where(cases.c.conversation_id.in_(sorted(set(conversation_ids))), _UNRESOLVED)
        .distinct()
    )
    return {str(conversation_id) for (conversation_id,) in rows}


def queue(connection: Connection, *, include_resolved: bool = False) -> list[Case]:
    """Cases, most urgent first, then oldest first; unresolved only unless asked."""
    statement = select(cases).order_by(
        (cases.c.status == CaseStatus.RESOLVED.value).asc(),
        cases.c.risk_rank.desc(),
        cases.c.opened_at.asc(),
        cases.c.id.asc(),
    )
    if not include_resolved:
        statement = statement.where(_UNRESOLVED)
    return [Case.from_row(row) for row in connection.execute(statement)]


def all_of(connection: Connection, conversation_id: str) -> list[Case]:
    """Every case of a conversation, resolved ones included, oldest first."""
    rows = connection.execute(
        select(cases).where(cases.c.conversation_id == conversation_id).order_by(cases.c.id)
    )
    return [Case.from_row(row) for row in rows]


def change(connection: Connection, case_id: int, *, now: float, **values: Any) -> Case:
    """Set columns of a case (``updated_at`` too) and return the case as it is now."""
    if "risk" in values:
        risk: Risk | None = values["risk"]
        values["risk"] = risk.value if risk is not None else None
        values["risk_rank"] = risk.rank if risk is not None else 0
    if "status" in values:
        values["status"] = CaseStatus(values["status"]).value
    connection.execute(update(cases).where(cases.c.id == case_id).values(updated_at=now, **values))
    found = get(connection, case_id)
    if found is None:
        raise LookupError(f"case {case_id} vanished while it was being changed")
    return found


def count_alert(connection: Connection, case_id: int) -> None:
    """Add one to the case's alert count."""
    connection.execute(
        update(cases).where(cases.c.id == case_id).values(alert_count=cases.c.alert_count + 1)
    )


def anonymise(connection: Connection, case: Case, *, now: float) -> None:
    """Cut the case from its person: no conversation, no chat, no free text (``/forget``).

    An unresolved case is resolved on the way, since nobody can reach the person any more.
    """
    values: dict[str, Any] = {
        "conversation_id": f"{FORGOTTEN_PREFIX}{case.id}",
        "chat_id": None,
        "resolution": "removed: the person used /forget" if case.resolution else None,
    }
    if case.is_open:
        values.update(
            status=CaseStatus.RESOLVED.value,
            resolved_at=now,
            resolved_by="person",
            resolution="closed: the person used /forget",
        )
    connection.execute(update(cases).where(cases.c.id == case.id).values(updated_at=now, **values))


__all__ = [
    "all_of",
    "anonymise",
    "change",
    "count_alert",
    "get",
    "open_case",
    "queue",
    "unresolved_of",
    "with_unresolved",
]
