"""Moderators: cases (escalations), alerts, a review queue, re-alerts, and a human handoff.

When the crisis gate fires, :class:`ModerationDesk`'s listener opens (or updates) the person's
case in the same transaction as the crisis reply and queues an alert for the moderators' chat.
Moderators act on cases by button or command through :meth:`ModerationDesk.act`; re-alert
timers live in the database (:meth:`ModerationDesk.fire_due_timers`); transcripts expire after
``moderation.retention_days`` (:meth:`ModerationDesk.purge_transcripts`). Nothing here knows
Telegram: a channel adapts its updates to these calls and sends what lands in the outbox.

Modules: ``tables`` (schema), ``models`` (plain data), ``cases``, ``journal`` and ``timers``
(queries), ``texts`` (wording), ``commands`` (parsing), ``alerts`` (posting to the moderators'
chat), ``listener`` (the outcome listener), ``actions`` (what each action does), ``book``
(read-only views), ``upkeep`` (re-alerts and transcript expiry), ``desk`` (the facade).
"""

from bot.moderation.book import CaseBook
from bot.moderation.commands import ACTIONS, ParsedCommand, parse_button, parse_command
from bot.moderation.desk import ModerationDesk
from bot.moderation.listener import ModerationListener
from bot.moderation.models import (
    AuditEntry,
    Case,
    CaseStatus,
    ModeratorResult,
    Queued,
    TranscriptLine,
    Who,
    WordingSource,
)

__all__ = [
    "ACTIONS",
    "AuditEntry",
    "Case",
    "CaseBook",
    "CaseStatus",
    "ModerationDesk",
    "ModerationListener",
    "ModeratorResult",
    "ParsedCommand",
    "Queued",
    "TranscriptLine",
    "Who",
    "WordingSource",
    "parse_button",
    "parse_command",
]
