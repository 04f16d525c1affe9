"""What is written down about a case: its transcript excerpt, the audit log, its outbox messages.

Functions run on a connection inside the caller's transaction. The transcript keeps the last
:data:`MAX_TRANSCRIPT_LINES` lines of conversation per case and, apart from them, the last
:data:`MAX_NOTES` moderators' notes; each line is cut to :data:`MAX_LINE_CHARS`.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, func, insert, literal, or_, select
from sqlalchemy.sql import ColumnElement

from bot.moderation.models import AuditEntry, TranscriptLine, Who
from bot.moderation.tables import audit_log, case_messages, case_outbox
from bot.storage.tables import outbox

MAX_TRANSCRIPT_LINES = 40
MAX_NOTES = 50
MAX_LINE_CHARS = 2000
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """``text`` on one line of at most ``limit`` characters, cut with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 0)].rstrip() + ELLIPSIS


# -- transcript ----------------------------------------------------------------------------------


def add_line(connection: Connection, case_id: int, who: Who, text: str, *, now: float) -> None:
    """Append a transcript line and drop the oldest beyond the bound of its kind."""
    body = text.strip()
    if len(body) > MAX_LINE_CHARS:
        body = body[: MAX_LINE_CHARS - 1] + ELLIPSIS
    connection.execute(insert(case_messages).values(case_id=case_id, at=now, who=who, text=body))
    is_note = case_messages.c.who == Who.NOTE.value
    kind = is_note if who is Who.NOTE else ~is_note
    keep = MAX_NOTES if who is Who.NOTE else MAX_TRANSCRIPT_LINES
    kept = (
        select(case_messages.c.id)
        .where(case_messages.c.case_id == case_id, kind)
        .order_by(case_messages.c.id.desc())
        .limit(keep)
        .scalar_subquery()
    )
    connection.execute(
        delete(case_messages).where(
            case_messages.c.case_id == case_id, kind, case_messages.c.id.not_in(kept)
        )
    )


def transcript(connection: Connection, case_id: int) -> list[TranscriptLine]:
    """The case's transcript, oldest first (notes included)."""
    rows = connection.execute(
        select(case_messages.c.at, case_messages.c.who, case_messages.c.text)
        .where(case_messages.c.case_id == case_id)
        .order_by(case_messages.c.id)
    )
    return [TranscriptLine(float(row.at), Who(row.who), str(row.text)) for row in rows]


def last_person_line(connection: Connection, case_id: int) -> str | None:
    """The person's latest transcript line, if any."""
    return connection.execute(
        select(case_messages.c.text)
        .where(case_messages.c.case_id == case_id, case_messages.c.who == Who.PERSON.value)
        .order_by(case_messages.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def erase_transcript(connection: Connection, case_id: int) -> int:
    """Remove every transcript line and note of a case; return how many."""
    result = connection.execute(delete(case_messages).where(case_messages.c.case_id == case_id))
    return int(result.rowcount)


def purge_lines(connection: Connection, *, older_than: float) -> int:
    """Remove transcript lines and notes written before ``older_than``; return how many."""
    result = connection.execute(delete(case_messages).where(case_messages.c.at < older_than))
    return int(result.rowcount)


# -- outbox messages of a case -----------------------------------------------------------------


def link_outbox(connection: Connection, outbox_id: int, case_id: int) -> None:
    """Remember that outbox message ``outbox_id`` (an alert, a relay) is about ``case_id``."""
    connection.execute(insert(case_outbox).values(outbox_id=outbox_id, case_id=case_id))


def case_of_sent_message(connection: Connection, chat_id: str, message_ref: str) -> int | None:
    """The case of the message sent to ``chat_id`` as ``message_ref`` (a Telegram message id).

    Each part of a long message is its own outbox row, linked to the case; ``sent_ref`` holds
    the Telegram id of the part (rows sent before parts were split at enqueue list the ids of
    all their parts, comma-separated, and are still found).
    """
    ref = message_ref.strip()
    if not ref.isdigit():
        return None
    sent = outbox.c.sent_ref
    row = connection.execute(
        select(case_outbox.c.case_id)
        .join(outbox, outbox.c.id == case_outbox.c.outbox_id)
        .where(
            outbox.c.chat_id == chat_id,
            or_(
                sent == ref,
                sent.like(literal(f"{ref},%")),
                sent.like(literal(f"%,{ref}")),
                sent.like(literal(f"%,{ref},%")),
            ),
        )
        .order_by(case_outbox.c.outbox_id.desc())
        .limit(1)
    ).first()
    return int(row.case_id) if row is not None else None


def erase_sent_messages(
    connection: Connection, *, case_id: int | None = None, sent_before: float | None = None
) -> int:
    """Delete sent outbox messages about a case (or any case, sent before a time).

    Their payloads hold excerpts of what the person wrote. Messages not sent yet stay queued.
    """
    conditions: list[ColumnElement[bool]] = [outbox.c.sent_at.is_not(None)]
    linked = select(case_outbox.c.outbox_id)
    if case_id is not None:
        linked = linked.where(case_outbox.c.case_id == case_id)
    if sent_before is not None:
        conditions.append(outbox.c.sent_at < sent_before)
    result = connection.execute(delete(outbox).where(and_(*conditions), outbox.c.id.in_(linked)))
    return int(result.rowcount)


# -- audit ---------------------------------------------------------------------------------------


def audit(
    connection: Connection,
    *,
    actor_id: str,
    action: str,
    case_id: int | None,
    allowed: bool,
    now: float,
    detail: str | None = None,
) -> None:
    """Record one action or refused attempt; ``detail`` must never hold message text."""
    connection.execute(
        insert(audit_log).values(
            at=now,
            actor_id=actor_id,
            action=action,
            case_id=case_id,
            allowed=allowed,
            detail=detail,
        )
    )


def audit_trail(connection: Connection, case_id: int | None = None) -> list[AuditEntry]:
    """Audit entries, oldest first; only those of ``case_id`` when given."""
    statement = select(audit_log).order_by(audit_log.c.id)
    if case_id is not None:
        statement = statement.where(audit_log.c.case_id == case_id)
    return [
        AuditEntry(
            at=float(row.at),
            actor_id=str(row.actor_id),
            action=str(row.action),
            case_id=int(row.case_id) if row.case_id is not None else None,
            allowed=bool(row.allowed),
            detail=row.detail,
        )
        for row in connection.execute(statement)
    ]


def count_lines(connection: Connection, case_id: int) -> int:
    """How many transcript lines and notes a case has."""
    count = connection.execute(
        select(func.count()).select_from(case_messages).where(case_messages.c.case_id == case_id)
    )
    return int(count.scalar_one())


__all__ = [
    "MAX_LINE_CHARS",
    "MAX_NOTES",
    "MAX_TRANSCRIPT_LINES",
    "add_line",
    "audit",
    "audit_trail",
    "case_of_sent_message",
    "count_lines",
    "erase_sent_messages",
    "erase_transcript",
    "last_person_line",
    "link_outbox",
    "purge_lines",
    "shorten",
    "transcript",
]
