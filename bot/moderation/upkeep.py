"""Work on a schedule rather than on a message: re-alerts that are due, and transcript expiry.

The channel's runner calls :meth:`ModerationDesk.fire_due_timers` every few seconds and
:meth:`ModerationDesk.purge_transcripts` daily; ``crisisbot cases purge`` runs the latter too.
"""

from __future__ import annotations

from bot.moderation import cases, journal, texts, timers
from bot.moderation.alerts import Announcer
from bot.moderation.book import desk_transaction
from bot.moderation.models import CaseStatus
from bot.storage import Storage

DAY_SECONDS = 86_400.0


def fire_due_timers(storage: Storage, announcer: Announcer, *, now: float) -> int:
    """Re-alert each unclaimed case whose timer is due at ``now``; return how many alerts.

    Each timer is claimed inside its person's conversation transaction, together with the
    alert it causes, so it fires once across replicas and a crash fires it again later.
    """
    with desk_transaction(storage, write=False) as tx:
        due = timers.due(tx.execute(), now=now)
    fired = 0
    for timer in due:
        with storage.conversation(timer.conversation_id) as person_tx:
            assert person_tx is not None  # no update id: never a duplicate
            connection = person_tx.execute()
            if not timers.claim(connection, timer.id, now=now):
                continue  # another replica fired it
            case = cases.get(connection, timer.case_id)
            if case is None or case.status is not CaseStatus.OPEN:
                continue
            excerpt = journal.last_person_line(connection, case.id)
            reason = texts.realert_reason(case, now)
            if announcer.alert(person_tx, case, reason=reason, excerpt=excerpt, now=now):
                fired += 1
    return fired


def purge_transcripts(storage: Storage, retention_days: int, *, now: float) -> int:
    """Remove transcript lines older than ``retention_days`` before ``now``; return how many.

    Sent moderators' chat messages of the same age (alerts and relays quote the person) go
    too; case metadata and the audit log stay.
    """
    cutoff = now - retention_days * DAY_SECONDS
    with desk_transaction(storage) as tx:
        connection = tx.execute()
        removed = journal.purge_lines(connection, older_than=cutoff)
        journal.erase_sent_messages(connection, sent_before=cutoff)
    return removed


__all__ = ["DAY_SECONDS", "fire_due_timers", "purge_transcripts"]
