"""Plain data of moderation: a case, its transcript lines, audit entries, and an action's result.

:class:`WordingSource` is what moderation asks of the core: the person's wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from bot.crisis.wording import Wording
from bot.model import ConversationRecord, Reply, Risk


class CaseStatus(StrEnum):
    """Where a case stands. ``resolved`` is final: a new risk signal opens a new case."""

    OPEN = "open"  # nobody has taken it yet; re-alerted until someone does
    CLAIMED = "claimed"  # a moderator took it
    HANDOFF = "handoff"  # a moderator is talking with the person through the bot
    RESOLVED = "resolved"


class Who(StrEnum):
    """Who wrote a transcript line."""

    PERSON = "person"
    BOT = "bot"
    MODERATOR = "moderator"
    NOTE = "note"  # a moderator's note about the case; never sent to the person


@dataclass(frozen=True, slots=True)
class Case:
    """One escalation: who, how urgent, why, and where it stands."""

    id: int
    conversation_id: str
    chat_id: str | None
    risk: Risk | None
    category: str | None
    rule: str | None
    status: CaseStatus
    human_requested: bool
    claimed_by: int | None
    opened_at: float
    updated_at: float
    resolved_at: float | None
    resolved_by: str | None
    resolution: str | None
    alert_count: int

    @property
    def risk_rank(self) -> int:
        """0 without a risk signal, else :attr:`Risk.rank` (imminent is 3)."""
        return self.risk.rank if self.risk is not None else 0

    @property
    def is_open(self) -> bool:
        """Not resolved yet."""
        return self.status is not CaseStatus.RESOLVED

    @classmethod
    def from_row(cls, row: Any) -> Case:
        """Build from a ``cases`` row."""
        return cls(
            id=int(row.id),
            conversation_id=str(row.conversation_id),
            chat_id=row.chat_id,
            risk=Risk(row.risk) if row.risk is not None else None,
            category=row.category,
            rule=row.rule,
            status=CaseStatus(row.status),
            human_requested=bool(row.human_requested),
            claimed_by=int(row.claimed_by) if row.claimed_by is not None else None,
            opened_at=float(row.opened_at),
            updated_at=float(row.updated_at),
            resolved_at=float(row.resolved_at) if row.resolved_at is not None else None,
            resolved_by=row.resolved_by,
            resolution=row.resolution,
            alert_count=int(row.alert_count),
        )

    def metadata(self) -> dict[str, Any]:
        """The case without any message text, for exports; keys as :data:`METADATA_FIELDS`."""
        return {
            "id": self.id,
            "status": self.status.value,
            "risk": self.risk.value if self.risk is not None else None,
            "category": self.category,
            "rule": self.rule,
            "human_requested": self.human_requested,
            "claimed_by": self.claimed_by,
            "opened_at": self.opened_at,
            "updated_at": self.updated_at,
            "resolved_at": self.resolved_at,
            "resolved_by": self.resolved_by,
            "alert_count": self.alert_count,
            "forgotten": self.conversation_id.startswith(FORGOTTEN_PREFIX),
        }


#: ``conversation_id`` of a case whose person used ``/forget``: ``forgotten:<case id>``.
FORGOTTEN_PREFIX = "forgotten:"

#: The keys of :meth:`Case.metadata`, in order: the columns of ``crisisbot cases export``.
METADATA_FIELDS = (
    "id",
    "status",
    "risk",
    "category",
    "rule",
    "human_requested",
    "claimed_by",
    "opened_at",
    "updated_at",
    "resolved_at",
    "resolved_by",
    "alert_count",
    "forgotten",
)


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One line of a case's transcript excerpt."""

    at: float
    who: Who
    text: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One moderator action or refused attempt."""

    at: float
    actor_id: str
    action: str
    case_id: int | None
    allowed: bool
    detail: str | None


@dataclass(frozen=True, slots=True)
class Queued:
    """A message an action put in the outbox (sent after commit by the channel's sender).

    ``outbox_ids`` are its rows: one per part that fits a message, in the order they are sent.
    """

    outbox_ids: tuple[int, ...]
    chat_id: str
    kind: str
    reply: Reply


@dataclass(frozen=True, slots=True)
class ModeratorResult:
    """What a moderator's action did, and what to show the person who acted.

    ``queued`` lists what was put in the outbox in the action's transaction (wake the sender
    when it is not empty). ``notice`` is a short answer for the actor alone (a button's toast);
    when ``private`` is true (a refusal) it must only ever be shown to the actor, never in the
    group.
    """

    allowed: bool
    action: str
    case_id: int | None
    notice: str
    private: bool = False
    queued: tuple[Queued, ...] = ()
    duplicate: bool = False  # the update was handled before; nothing was done this time


class WordingSource(Protocol):
    """The current core as the desk sees it: the words to write to a person in."""

    def person_words(self, record: ConversationRecord | None) -> Wording:
        """The wording in the language this person is answered in (English without a record)."""
        ...


__all__ = [
    "FORGOTTEN_PREFIX",
    "METADATA_FIELDS",
    "AuditEntry",
    "Case",
    "CaseStatus",
    "ModeratorResult",
    "Queued",
    "TranscriptLine",
    "Who",
    "WordingSource",
]
