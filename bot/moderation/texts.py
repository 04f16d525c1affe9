"""What moderation says: alerts and answers in the moderators' chat, and notices to the person.

Everything is plain text (the Telegram sender uses no parse mode). In the moderators' chat the
risk level always comes first, and imminent cases are marked so they stand out in a busy group.
What the person is told says plainly that a team member is a person, not a clinician, and that
``/crisis`` shows the crisis lines at any time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.model import Button, Reply, Risk
from bot.moderation.commands import button_action
from bot.moderation.journal import shorten
from bot.moderation.models import Case, CaseStatus, TranscriptLine, Who

EXCERPT_CHARS = 200
RELAY_CHARS = 3500
QUEUE_LIMIT = 30

_RISK_LABELS = {
    Risk.IMMINENT: "🚨 IMMINENT RISK",
    Risk.HIGH: "HIGH RISK",
    Risk.CONCERN: "CONCERN",
}
_WHO = {Who.PERSON: "person", Who.BOT: "bot", Who.MODERATOR: "team", Who.NOTE: "note"}

# What the person is told (joined, left, ended, a moderator's words) is in the person's
# language: the ``relay`` section of the wording and its catalogs.

# -- refusals and usage ------------------------------------------------------------------------

REFUSED = "Only the bot's moderators can act on cases. This attempt was recorded."
USAGE = (
    "Commands: /queue, /case ID, /transcript ID, /claim ID, /talk ID, /note ID text, "
    "/release ID, /resolve ID reason, /reply ID text (or reply to a relayed message)."
)


def risk_label(risk: Risk | None) -> str:
    """The risk level as the first words of a line."""
    return _RISK_LABELS[risk] if risk is not None else "NO RISK SIGNAL"


def when(at: float) -> str:
    """A UTC time of day with the date, e.g. ``2024-11-28 14:05 UTC``."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


def waited(since: float, now: float) -> str:
    """How long ago ``since`` was, in whole minutes or hours."""
    minutes = max(int((now - since) // 60), 0)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


def alert_buttons(case_id: int) -> tuple[Button, ...]:
    """Claim / Talk to person / Transcript / Resolve for one case."""
    return (
        Button("Claim", button_action("claim", case_id)),
        Button("Talk to person", button_action("talk", case_id)),
        Button("Transcript", button_action("transcript", case_id)),
        Button("Resolve", button_action("resolve", case_id)),
    )


def alert(
    case: Case, *, reason: str, excerpt: str | None, now: float, language: str | None = None
) -> Reply:
    """An alert about ``case``; ``reason`` is the second line (why it is announced now).

    ``language`` says which language the person reads and writes; the excerpt is their own words.
    """
    head = f"{risk_label(case.risk)} · case {case.id}"
    lines = [head, reason, _summary(case)]
    if language:
        lines.append(f"Language: {language}.")
    if case.human_requested:
        lines.append("The person asked to talk with a person from the team.")
    if excerpt:
        lines.append(f"Last message: «{shorten(excerpt, EXCERPT_CHARS)}»")
    lines.append(f"Opened {when(case.opened_at)}, {waited(case.opened_at, now)} ago.")
    return Reply("\n".join(lines), alert_buttons(case.id))


def risk_raised(previous: Risk | None, case: Case) -> str:
    """The reason line of an alert about a rise in risk."""
    return f"⬆ RISK ROSE from {risk_label(previous)} to {risk_label(case.risk)}."


def realert_reason(case: Case, now: float) -> str:
    """The reason line of a re-alert."""
    return f"⏰ STILL UNCLAIMED after {waited(case.opened_at, now)} (alert {case.alert_count + 1})."


def relay(case: Case, text: str, *, gate_fired: Risk | None) -> Reply:
    """A person's message relayed to the moderators' chat during a handoff."""
    lines = [f"{risk_label(case.risk)} · case {case.id} · the person writes:"]
    if gate_fired is not None:
        lines.append(
            f"(The crisis gate fired on this message: {risk_label(gate_fired)}. "
            "The person was sent the crisis lines.)"
        )
    lines.append(shorten(text, RELAY_CHARS) if text else "(a message without text)")
    lines.append("Reply to this message to answer the person.")
    return Reply("\n".join(lines))


def case_card(case: Case, *, lines: int, now: float) -> Reply:
    """Everything about a case except its transcript."""
    rows = [
        f"{risk_label(case.risk)} · case {case.id} · {case.status.value}",
        _summary(case),
        f"Opened {when(case.opened_at)} ({waited(case.opened_at, now)} ago); "
        f"last change {when(case.updated_at)}; alerts sent: {case.alert_count}.",
    ]
    if case.human_requested:
        rows.append("The person asked for a person from the team.")
    if case.claimed_by is not None:
        rows.append(f"Taken by {case.claimed_by}.")
    if case.status is CaseStatus.RESOLVED:
        rows.append(
            f"Resolved {when(case.resolved_at or case.updated_at)} by {case.resolved_by}: "
            f"{case.resolution or '(no reason given)'}"
        )
    if case.chat_id is None:
        rows.append("The person cannot be reached through the bot (no chat, or /forget).")
    rows.append(f"Transcript lines kept: {lines}.")
    buttons = alert_buttons(case.id) if case.is_open else ()
    return Reply("\n".join(rows), buttons)


def queue(cases: Sequence[Case], *, now: float) -> Reply:
    """Open cases, most urgent and then oldest first."""
    if not cases:
        return Reply("No open cases.")
    rows = [f"Open cases: {len(cases)}"]
    for case in cases[:QUEUE_LIMIT]:
        taken = f", taken by {case.claimed_by}" if case.claimed_by is not None else ""
        rows.append(
            f"{risk_label(case.risk)} · case {case.id} · {case.status.value}{taken} · "
            f"{case.category or 'asked for a human'} · waiting {waited(case.opened_at, now)}"
        )
    if len(cases) > QUEUE_LIMIT:
        rows.append(f"… and {len(cases) - QUEUE_LIMIT} more (crisisbot cases list shows all).")
    return Reply("\n".join(rows))


def transcript(case: Case, lines: Sequence[TranscriptLine]) -> Reply:
    """The transcript excerpt of a case, oldest line first."""
    if not lines:
        return Reply(f"Case {case.id}: no transcript kept (none yet, expired, or /forget).")
    rows = [f"Transcript of case {case.id} (latest {len(lines)} lines, UTC):"]
    rows.extend(f"{when(line.at)[11:16]} {_WHO[line.who]}: {line.text}" for line in lines)
    return Reply("\n".join(rows))


def done(text: str) -> Reply:
    """A short confirmation in the moderators' chat."""
    return Reply(text)


def _summary(case: Case) -> str:
    category = case.category or "asked for a human"
    rule = f" · rule {case.rule}" if case.rule else ""
    return f"Category: {category}{rule}"


__all__ = [
    "REFUSED",
    "USAGE",
    "alert",
    "alert_buttons",
    "case_card",
    "done",
    "queue",
    "realert_reason",
    "relay",
    "risk_label",
    "risk_raised",
    "transcript",
    "waited",
    "when",
]
