"""The moderation side of every processed message, in the same transaction as the reply.

:class:`ModerationListener` is an :class:`~bot.core.service.OutcomeListener`. For each outcome:

- a risk signal (``crisis_opened``, ``crisis_raised``, ``crisis_signal``) or a request for a
  human opens a case when the person has no unresolved one, and alerts the moderators;
- on the person's unresolved case, a rise in risk or a first request for a human alerts again;
  every message (and a short excerpt of each bot reply) goes into the case's transcript;
- during a handoff (``relay``) the person's message is relayed to the moderators' chat;
- ``forget`` erases the person's transcripts and anonymises their cases.

Only ``forget`` is acted on while ``moderation.chat_id`` is not set. Raising here rolls back
everything, the crisis reply included, so the update is offered again: nothing is half-written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, select

from bot.model import Event, Inbound, InboundKind, Outcome
from bot.moderation import cases, journal, texts, timers
from bot.moderation.alerts import Announcer, priority_of
from bot.moderation.models import Case, Who
from bot.storage import ConversationBatch, ConversationTx
from bot.storage.tables import outbox

RISK_EVENTS = frozenset({Event.CRISIS_OPENED, Event.CRISIS_RAISED, Event.CRISIS_SIGNAL})
#: ``tx.shared`` key: the batch's conversations known to have no unresolved case.
_WITHOUT_CASE = "moderation.without_case"
BOT_LINE_CHARS = 300


class ModerationListener:
    """Opens and updates cases, alerts, relays and forgets, inside the service's transaction."""

    def __init__(self, announcer: Announcer, clock: Callable[[], float] = time.time) -> None:
        self._announcer = announcer
        self._clock = clock

    def before_batch(self, batch: ConversationBatch, conversation_ids: Sequence[str]) -> None:
        """Read once which of a group commit's conversations have an unresolved case.

        The batch holds their locks, and only this listener opens cases, under the same lock:
        a conversation without one keeps having none until this listener opens one.
        """
        if self._announcer.chat is None:
            return
        having = cases.with_unresolved(batch.execute(), conversation_ids)
        batch.shared[_WITHOUT_CASE] = set(conversation_ids) - having

    def on_outcome(self, tx: ConversationTx, inbound: Inbound, outcome: Outcome) -> None:
        """Record what ``outcome`` means for the person's case; see the module docstring."""
        record = outcome.record
        events = frozenset(outcome.events)
        now = self._clock()
        if Event.FORGET in events:  # even with moderation switched off: older cases are anonymised
            self._forget(tx, record.conversation_id, now)
            return
        if self._announcer.chat is None:
            return
        risky = bool(events & RISK_EVENTS)
        human = Event.HUMAN_REQUESTED in events
        without_case: set[str] | None = tx.shared.get(_WITHOUT_CASE)
        if without_case is not None and record.conversation_id in without_case:
            if not (risky or human or Event.RELAY in events):
                return  # no case to write down, none to open, nothing to relay
            without_case.discard(record.conversation_id)  # it may get one now: read it again
        connection = tx.execute()
        said = person_text(inbound)
        case = cases.unresolved_of(connection, record.conversation_id)
        if case is None and (risky or human):
            crisis = record.crisis
            case = cases.open_case(
                connection,
                conversation_id=record.conversation_id,
                chat_id=_person_chat(connection, record.conversation_id),
                risk=outcome.risk if risky else (crisis.risk if crisis else None),
                category=outcome.category if risky else (crisis.category if crisis else None),
                rule=outcome.rule if risky else (crisis.rule if crisis else None),
                human_requested=human,
                now=now,
            )
            self._write_down(connection, case, said, outcome, now)
            reason = "NEW CASE: the crisis gate fired." if risky else "NEW CASE."
            self._announcer.alert(tx, case, reason=reason, excerpt=said, now=now, record=record)
        elif case is not None:
            self._write_down(connection, case, said, outcome, now)
            case = self._update(tx, case, outcome, risky=risky, human=human, said=said, now=now)
        if Event.RELAY in events:
            self._relay(tx, case, outcome, said=said, risky=risky)

    def _update(
        self,
        tx: ConversationTx,
        case: Case,
        outcome: Outcome,
        *,
        risky: bool,
        human: bool,
        said: str,
        now: float,
    ) -> Case:
        """Raise the risk, flag a request for a human, fill in the chat; alert on news."""
        connection = tx.execute()
        changes: dict[str, object] = {}
        if case.chat_id is None:
            chat_id = _person_chat(connection, case.conversation_id)
            if chat_id is not None:
                changes["chat_id"] = chat_id
        raised = risky and outcome.risk is not None and outcome.risk.rank > case.risk_rank
        if raised:
            changes.update(risk=outcome.risk, category=outcome.category, rule=outcome.rule)
        asked = human and not case.human_requested
        if asked:
            changes["human_requested"] = True
        previous = case.risk
        case = cases.change(connection, case.id, now=now, **changes)
        if raised:
            reason = texts.risk_raised(previous, case)
            self._announcer.alert(
                tx, case, reason=reason, excerpt=said, now=now, record=outcome.record
            )
        elif asked:
            reason = "🙋 The person asks to talk with a person from the team."
            self._announcer.alert(
                tx, case, reason=reason, excerpt=said, now=now, record=outcome.record
            )
        return case

    def _write_down(
        self, connection: Connection, case: Case, said: str, outcome: Outcome, now: float
    ) -> None:
        """The person's message and a short excerpt of each reply go into the transcript."""
        journal.add_line(connection, case.id, Who.PERSON, said, now=now)
        for reply in outcome.replies:
            journal.add_line(
                connection, case.id, Who.BOT, journal.shorten(reply.text, BOT_LINE_CHARS), now=now
            )

    def _relay(
        self, tx: ConversationTx, case: Case | None, outcome: Outcome, *, said: str, risky: bool
    ) -> None:
        """Send the person's message to the moderators' chat, linked to the handoff's case."""
        handoff_id = outcome.record.handoff_case
        if handoff_id is not None and (case is None or case.id != handoff_id):
            case = cases.get(tx.execute(), handoff_id) or case
        if case is None:
            return
        gate_fired = outcome.risk if risky else None
        self._announcer.post(
            tx,
            case.id,
            texts.relay(case, said, gate_fired=gate_fired),
            kind="relay",
            priority=priority_of(gate_fired),
        )

    def _forget(self, tx: ConversationTx, conversation_id: str, now: float) -> None:
        """Erase the person's transcripts; keep each case without chat, conversation or text."""
        connection = tx.execute()
        for case in cases.all_of(connection, conversation_id):
            journal.erase_transcript(connection, case.id)
            journal.erase_sent_messages(connection, case_id=case.id)
            timers.cancel(connection, case.id)
            cases.anonymise(connection, case, now=now)
            journal.audit(
                connection,
                actor_id="person",
                action="forget",
                case_id=case.id,
                allowed=True,
                now=now,
                detail="transcript erased, case anonymised"
                + (", open case closed" if case.is_open else ""),
            )
            if case.is_open:
                notice = (
                    f"Case {case.id} is closed: the person deleted their data with /forget. "
                    "Its transcript is erased and the person can no longer be reached here."
                )
                self._announcer.post(tx, case.id, texts.done(notice))


def person_text(inbound: Inbound) -> str:
    """What the person sent, as a transcript line (commands and button presses marked)."""
    text = inbound.text.strip()
    if inbound.kind is InboundKind.COMMAND:
        return f"/{inbound.command or ''} {text}".strip()
    if inbound.kind is InboundKind.BUTTON:
        return f"[pressed: {text or inbound.button or 'a button'}]"
    if inbound.kind is InboundKind.NON_TEXT:
        return "[a message without text]"
    if inbound.kind is InboundKind.EDIT:
        return f"[edited] {text}"
    return text


def _person_chat(connection: Connection, conversation_id: str) -> str | None:
    """Where the person's replies are delivered: the chat of their latest queued reply.

    The channel chose it (``Service.handle(..., deliver_to=)``); moderation stays unaware of
    how a channel names its chats. ``None`` for a conversation whose replies the caller shows
    itself (the terminal chat).
    """
    return connection.execute(
        select(outbox.c.chat_id)
        .where(outbox.c.conversation_id == conversation_id, outbox.c.kind == "reply")
        .order_by(outbox.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()


__all__ = ["RISK_EVENTS", "ModerationListener", "person_text"]
