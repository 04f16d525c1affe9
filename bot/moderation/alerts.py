"""Posting to the moderators' chat through the outbox, and keeping re-alert timers in step.

Every message about a case that goes to the moderators' chat is linked to its case
(``case_outbox``), so a moderator's reply to it finds the case again. An alert counts towards the
case's ``alert_count`` and, while nobody has taken the case, (re)schedules its re-alert timer:
``moderation.realert_minutes.imminent`` for imminent cases, ``.other`` for the rest.

Alerts about urgent cases (risk high or imminent), and the person's messages relayed when the
crisis gate fired on them at that level, are queued with a high priority: they go out before
ordinary messages waiting in the outbox (:mod:`bot.storage.outbox`).
"""

from __future__ import annotations

from bot.config import ModerationConfig
from bot.i18n import language_for_moderators
from bot.model import ConversationRecord, Reply, Risk
from bot.moderation import cases, journal, texts, timers
from bot.moderation.models import Case, CaseStatus, Queued
from bot.storage import ConversationTx, Priority


def is_urgent(risk: Risk | None) -> bool:
    """Whether a case (or a message) at ``risk`` goes before ordinary messages: high or imminent."""
    return risk is not None and risk.rank >= Risk.HIGH.rank


def priority_of(risk: Risk | None) -> Priority:
    """The outbox priority of a message about something at ``risk``."""
    return Priority.HIGH if is_urgent(risk) else Priority.NORMAL


class Announcer:
    """Writes to the moderators' chat inside the caller's transaction."""

    def __init__(self, config: ModerationConfig) -> None:
        self._config = config

    @property
    def chat(self) -> str | None:
        """The moderators' chat id as the outbox stores it, or ``None`` when not configured."""
        chat_id = self._config.chat_id
        return str(chat_id) if chat_id is not None else None

    def realert_delay(self, case: Case) -> float:
        """Seconds before an unclaimed ``case`` is announced again."""
        minutes = self._config.realert_minutes
        return 60.0 * (minutes.imminent if case.risk is Risk.IMMINENT else minutes.other)

    def post(
        self,
        tx: ConversationTx,
        case_id: int | None,
        reply: Reply,
        *,
        kind: str = "notice",
        priority: Priority = Priority.NORMAL,
    ) -> Queued | None:
        """Queue ``reply`` for the moderators' chat, linked to ``case_id`` when given."""
        chat = self.chat
        if chat is None:
            return None
        outbox_ids = tuple(tx.enqueue(chat, reply, kind=kind, priority=priority))
        if case_id is not None:
            connection = tx.execute()
            for outbox_id in outbox_ids:  # a reply to any part of a long message finds the case
                journal.link_outbox(connection, outbox_id, case_id)
        return Queued(outbox_ids, chat, kind, reply)

    def alert(
        self,
        tx: ConversationTx,
        case: Case,
        *,
        reason: str,
        excerpt: str | None,
        now: float,
        record: ConversationRecord | None = None,
    ) -> Queued | None:
        """Announce ``case`` with buttons; count it; schedule the next re-alert if unclaimed.

        The alert says the person's language (from ``record``, else the stored record).
        """
        language = language_for_moderators(record if record is not None else tx.load())
        message = texts.alert(case, reason=reason, excerpt=excerpt, now=now, language=language)
        queued = self.post(tx, case.id, message, kind="alert", priority=priority_of(case.risk))
        if queued is None:
            return None
        connection = tx.execute()
        cases.count_alert(connection, case.id)
        if case.status is CaseStatus.OPEN:
            timers.schedule(connection, case.id, due_at=now + self.realert_delay(case))
        return queued


__all__ = ["Announcer", "is_urgent", "priority_of"]
