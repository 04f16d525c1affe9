"""What each moderator action does to a case, inside the person's conversation transaction.

The desk has already checked that the actor is a moderator, found the case and locked the
person's conversation; an action changes the case, the person's record (handoff, crisis mode)
and queues what the moderators' chat and the person are told, all in that one transaction.
Each returns a :class:`Done`: the actor's short notice, and the audit detail (never message text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.crisis.wording import Wording
from bot.model import ConversationRecord, Reply
from bot.moderation import cases, journal, texts, timers
from bot.moderation.alerts import Announcer
from bot.moderation.models import Case, CaseStatus, Queued, Who, WordingSource
from bot.storage import ConversationTx

DEFAULT_REASON = "(no reason given)"


@dataclass(slots=True)
class Step:
    """One action in progress: the transaction, the case, who acts, and what was queued."""

    tx: ConversationTx
    case: Case
    actor: str  # a Telegram user id as text, or "cli:<name>"
    now: float
    queued: list[Queued] = field(default_factory=list)

    @property
    def who(self) -> str:
        """How the moderators' chat names the actor."""
        return self.actor.removeprefix("cli:") if self.actor.startswith("cli:") else self.actor


@dataclass(frozen=True, slots=True)
class Done:
    """The outcome of one action: a notice for the actor and a text-free audit detail."""

    notice: str
    detail: str


class CaseActions:
    """The case actions, sharing the core (for the person's language) and the announcer."""

    def __init__(self, core: Callable[[], WordingSource], announcer: Announcer) -> None:
        self._core = core  # the current core: a flow reload swaps it
        self._announcer = announcer

    def run(self, action: str, step: Step, text: str) -> Done:
        """Dispatch ``action`` (claim, talk, transcript, case, note, release, resolve, reply)."""
        if action == "case":
            lines = journal.count_lines(step.tx.execute(), step.case.id)
            return self._say(step, texts.case_card(step.case, lines=lines, now=step.now), "viewed")
        if action == "transcript":
            lines_kept = journal.transcript(step.tx.execute(), step.case.id)
            return self._say(step, texts.transcript(step.case, lines_kept), "viewed transcript")
        if action == "note":
            return self.note(step, text)
        if not step.case.is_open:
            notice = f"Case {step.case.id} is resolved; a new risk signal opens a new case."
            return self._say(step, texts.done(notice), "no change: case resolved")
        handlers: dict[str, Callable[[Step, str], Done]] = {
            "claim": self.claim,
            "talk": self.talk,
            "release": self.release,
            "resolve": self.resolve,
            "reply": self.reply,
        }
        return handlers[action](step, text)

    def claim(self, step: Step, _text: str = "") -> Done:
        """Take the case; a handoff stays a handoff. Re-alerts stop."""
        case = step.case
        if case.claimed_by is not None and str(case.claimed_by) == step.actor:
            return Done(f"You already have case {case.id}.", "no change: already theirs")
        status = CaseStatus.CLAIMED if case.status is CaseStatus.OPEN else case.status
        step.case = self._change(step, status=status, claimed_by=_telegram_id(step.actor))
        timers.cancel(step.tx.execute(), case.id)
        before = f" (from {case.claimed_by})" if case.claimed_by is not None else ""
        return self._say(
            step,
            texts.done(f"Case {case.id} taken by {step.who}{before}."),
            f"{case.status.value}->{status.value}",
        )

    def talk(self, step: Step, _text: str = "") -> Done:
        """Start a handoff: the person's messages are relayed here and replies go to them."""
        case = step.case
        record = step.tx.load()
        if case.chat_id is None or record is None:
            notice = f"Case {case.id}: the person cannot be reached through the bot."
            return self._say(step, texts.done(notice), "no change: person unreachable")
        if case.status is CaseStatus.HANDOFF and record.handoff_case == case.id:
            step.case = self._change(step, claimed_by=_telegram_id(step.actor))
            notice = f"Case {case.id}: {step.who} joined the conversation with the person."
            return self._say(step, texts.done(notice), "joined handoff")
        step.tx.save(record.with_changes(handoff_case=case.id))
        step.case = self._change(
            step, status=CaseStatus.HANDOFF, claimed_by=_telegram_id(step.actor)
        )
        timers.cancel(step.tx.execute(), case.id)
        self._to_person(step, self._words(record).relay.person_joined)
        notice = (
            f"Case {case.id}: {step.who} is now talking with the person. Reply to a relayed "
            f"message to answer; /release {case.id} ends the handoff, /resolve {case.id} reason "
            "closes the case."
        )
        return self._say(step, texts.done(notice), f"{case.status.value}->handoff")

    def release(self, step: Step, _text: str = "") -> Done:
        """End the handoff; the case stays open (claimed) and crisis mode stays as it was."""
        case = step.case
        record = step.tx.load()
        in_handoff = record is not None and record.handoff_case == case.id
        if case.status is not CaseStatus.HANDOFF and not in_handoff:
            notice = f"Case {case.id} is not in a handoff."
            return self._say(step, texts.done(notice), "no change: not in handoff")
        if record is not None and in_handoff:
            step.tx.save(record.with_changes(handoff_case=None))
        step.case = self._change(step, status=CaseStatus.CLAIMED)
        self._to_person(step, self._words(record).relay.person_left)
        notice = (
            f"Case {case.id}: handoff ended by {step.who}. The case stays open; "
            f"/resolve {case.id} reason closes it."
        )
        return self._say(step, texts.done(notice), "handoff->claimed")

    def resolve(self, step: Step, text: str = "") -> Done:
        """Close the case: who and why; the person's crisis mode and any handoff end."""
        case = step.case
        reason = text.strip() or DEFAULT_REASON
        record = step.tx.load()
        was_handoff = case.status is CaseStatus.HANDOFF or (
            record is not None and record.handoff_case == case.id
        )
        if record is not None:
            step.tx.save(record.end_crisis())
        step.case = self._change(
            step,
            status=CaseStatus.RESOLVED,
            resolved_at=step.now,
            resolved_by=step.actor,
            resolution=reason,
        )
        timers.cancel(step.tx.execute(), case.id)
        relay = self._words(record).relay
        self._to_person(
            step, relay.person_ended_after_handoff if was_handoff else relay.person_ended
        )
        notice = (
            f"Case {case.id} resolved by {step.who}: {reason}. The person's crisis mode has "
            "ended; a new risk signal opens a new case."
        )
        return self._say(step, texts.done(notice), f"{case.status.value}->resolved")

    def reply(self, step: Step, text: str) -> Done:
        """Send a moderator's words to the person, during a handoff only."""
        case = step.case
        if not text.strip():
            return self._say(step, texts.done(texts.USAGE), "no change: empty reply")
        if case.status is not CaseStatus.HANDOFF or case.chat_id is None:
            notice = (
                f"Case {case.id} is not in a handoff, so nothing was sent. Press Talk to person "
                f"(or /talk {case.id}) first."
            )
            return self._say(step, texts.done(notice), "no change: not in handoff")
        prefix = self._words(step.tx.load()).relay.moderator_prefix
        self._to_person(step, f"{prefix} {text.strip()}", from_moderator=True)
        journal.add_line(step.tx.execute(), case.id, Who.MODERATOR, text, now=step.now)
        step.case = self._change(step)
        return Done(f"Sent to the person in case {case.id}.", "message sent to the person")

    def note(self, step: Step, text: str) -> Done:
        """Add a moderators' note to the case (kept with the transcript, never sent)."""
        if not text.strip():
            notice = f"Write the note after the case number: /note {step.case.id} text"
            return self._say(step, texts.done(notice), "no change: empty note")
        journal.add_line(step.tx.execute(), step.case.id, Who.NOTE, text, now=step.now)
        step.case = self._change(step)
        return self._say(
            step, texts.done(f"Note added to case {step.case.id} by {step.who}."), "note added"
        )

    # -- helpers -------------------------------------------------------------------------------

    def _say(self, step: Step, reply: Reply, detail: str) -> Done:
        """Post ``reply`` to the moderators' chat; its first line is the actor's notice."""
        queued = self._announcer.post(step.tx, step.case.id, reply)
        if queued is not None:
            step.queued.append(queued)
        return Done(reply.text.split("\n", 1)[0], detail)

    def _words(self, record: ConversationRecord | None) -> Wording:
        """The wording in the person's language (English without a record)."""
        return self._core().person_words(record)

    def _to_person(self, step: Step, text: str, *, from_moderator: bool = False) -> None:
        chat_id = step.case.chat_id
        if chat_id is None:
            return
        reply = Reply(text)
        outbox_ids = tuple(step.tx.enqueue(chat_id, reply, kind="handoff"))
        step.queued.append(Queued(outbox_ids, chat_id, "handoff", reply))
        if not from_moderator:  # a moderator's words are journaled as theirs by the caller
            journal.add_line(
                step.tx.execute(), step.case.id, Who.BOT, journal.shorten(text, 300), now=step.now
            )

    def _change(self, step: Step, **values: object) -> Case:
        return cases.change(step.tx.execute(), step.case.id, now=step.now, **values)


def _telegram_id(actor: str) -> int | None:
    """The numeric id of a Telegram actor; ``None`` for an operator at the command line."""
    return int(actor) if actor.lstrip("-").isdigit() else None


__all__ = ["CaseActions", "Done", "Step"]
