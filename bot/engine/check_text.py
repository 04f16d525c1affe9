"""Checks on what a flow says: lengths, button payloads, doses, crisis wording, sources.

Each check adds diagnostics to a :class:`FlowReport`, at the line and column of the node it is
about. :mod:`bot.engine.check` runs these together with the checks on the flow's structure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.engine.engine import button_action, state_text
from bot.engine.loader import LoadedFlow
from bot.engine.matcher import tokens
from bot.engine.schema import MAX_CALLBACK_BYTES, MAX_REPLY_CHARS
from bot.errors import Diagnostic
from bot.model import BUTTON_LABEL_LIMIT

Loc = tuple[str | int, ...]
MAX_LABEL_BYTES = BUTTON_LABEL_LIMIT
EDUCATIONAL_REPLY_CHARS = 400
REVIEW_MAX_AGE_DAYS = 365

_NUMBER = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_UNIT = (
    r"(?:mg\s*/\s*kg|mg|mcg|µg|μg|ml|milligrams?|millilit(?:re|er)s?|micrograms?"
    r"|sprays?|units?|tablets?|pills?)"
)
DOSE = re.compile(rf"(?<![\w.,]){_NUMBER}[\s-]*{_UNIT}(?!\w)", re.IGNORECASE)

# Matched against the matcher's own tokens (casefolded, accent-free, one space between words).
CRISIS_WORDING = re.compile(
    r"\b(?:suicid\w*|kill\w*|die[sd]?|dying|dead|death|overdos\w*|lethal\w*|self ?harm\w*"
    r"|unaliv\w*|kms|(?:hurt|hurting|cut|cutting|harm|harming) (?:my|your|him|her|them)sel(?:f|ves)"
    r"|end (?:it|it all|my life)|hang (?:my|your)self)\b"
)


@dataclass
class FlowReport:
    """Diagnostics found in one loaded flow, each at the position of the node it names."""

    flow: LoadedFlow
    found: list[Diagnostic] = field(default_factory=list)

    def line_of(self, loc: Loc) -> int:
        """The 1-based line of the node at ``loc``."""
        return self.flow.locate(loc)[0]

    def add(self, loc: Loc, message: str, severity: str = "error") -> None:
        """Record a problem at the node ``loc`` points to."""
        line, column = self.flow.locate(loc)
        self.found.append(Diagnostic(str(self.flow.path), line, column, message, severity))

    def warn(self, loc: Loc, message: str) -> None:
        """Record a warning at the node ``loc`` points to."""
        self.add(loc, message, "warning")


def _check_dose(report: FlowReport, loc: Loc, what: str, text: str) -> None:
    match = DOSE.search(text)
    if match:
        report.add(
            loc,
            f"{what} states a dose ({match.group()!r}); the bot never states doses or amounts: "
            "describe the treatment without them and leave dosing to the clinician",
        )


def check_texts(report: FlowReport) -> None:
    """Reply length (as sent), and no dose in any reply, label, title or fallback text."""
    spec = report.flow.spec
    _check_dose(report, ("title",), "the title", spec.title)
    if spec.fallback is not None:
        _check_dose(report, ("fallback",), "the fallback text", spec.fallback)
        if len(spec.fallback) > MAX_REPLY_CHARS:
            report.add(
                ("fallback",),
                f"the fallback text is {len(spec.fallback)} characters; Telegram sends at most "
                f"{MAX_REPLY_CHARS} in one message; shorten it",
            )
    for index, state in enumerate(spec.states):
        loc: Loc = ("states", index, "reply")
        _check_dose(report, loc, f"the reply of state {state.name!r}", state.reply)
        sent = len(state_text(state))
        if sent > MAX_REPLY_CHARS:
            extra = "" if sent == len(state.reply) else " with its sources and review date"
            report.add(
                loc,
                f"the reply of state {state.name!r} is {sent} characters{extra}; Telegram "
                f"sends at most {MAX_REPLY_CHARS} in one message; split it into states linked "
                "by a button",
            )
        for number, button in enumerate(state.buttons):
            button_loc: Loc = ("states", index, "buttons", number)
            where = f"button {button.label!r} in state {state.name!r}"
            _check_dose(report, (*button_loc, "label"), f"the label of {where}", button.label)
            size = len(button.label.encode("utf-8"))
            if size > MAX_LABEL_BYTES:
                report.add(
                    (*button_loc, "label"),
                    f"the label of {where} is {size} bytes in UTF-8; at most {MAX_LABEL_BYTES} "
                    "are allowed; shorten it",
                )
            payload = button_action(button.flow or spec.name, button.trigger)
            size = len(payload.encode("utf-8"))
            if size > MAX_CALLBACK_BYTES:
                report.add(
                    (*button_loc, "trigger"),
                    f"{where} sends {payload!r}, {size} bytes; Telegram's callback data holds at "
                    f"most {MAX_CALLBACK_BYTES}; use a shorter flow or trigger name",
                )


def check_crisis_wording(report: FlowReport) -> None:
    """Warn about trigger phrases or keywords that only crisis messages would contain."""
    for name, trigger in report.flow.spec.triggers.items():
        for kind, texts in (("phrases", trigger.phrases), ("keywords", trigger.keywords)):
            for number, text in enumerate(texts):
                match = CRISIS_WORDING.search(" ".join(tokens(text)))
                if match:
                    report.warn(
                        ("triggers", name, kind, number),
                        f"{kind[:-1]} {text!r} of trigger {name!r} contains crisis wording "
                        f"({match.group()!r}): the crisis gate runs first anyway, so this trigger "
                        "will never see such text; remove it",
                    )


def check_sources(report: FlowReport, today: dt.date) -> None:
    """Sources and review dates: paired, present on long answers, neither stale nor future."""
    spec = report.flow.spec
    for index, state in enumerate(spec.states):
        here = ("states", index)
        named = f"state {state.name!r}"
        if state.sources and state.reviewed is None:
            report.warn(
                (*here, "sources"),
                f"{named} lists sources but no 'reviewed' date; add reviewed: YYYY-MM-DD, "
                "the day its facts were last checked against the sources",
            )
        if state.reviewed is not None and not state.sources:
            report.warn(
                (*here, "reviewed"),
                f"{named} has a 'reviewed' date but no sources; list the sources it was checked "
                "against",
            )
        long_reply = len(state.reply) > EDUCATIONAL_REPLY_CHARS
        if long_reply and not state.sources and state.name != spec.initial:
            report.warn(
                (*here, "reply"),
                f"{named} reads like an educational answer ({len(state.reply)} characters) but "
                "lists no sources; add sources and a reviewed date",
            )
        if state.reviewed is None:
            continue
        age = (today - state.reviewed).days
        if age < 0:
            report.add(
                (*here, "reviewed"),
                f"{named} was 'reviewed' on {state.reviewed.isoformat()}, a date in the future; "
                "write the day its facts were actually checked",
            )
        elif age > REVIEW_MAX_AGE_DAYS:
            report.warn(
                (*here, "reviewed"),
                f"{named} was last reviewed {age} days ago ({state.reviewed.isoformat()}); "
                "check its facts against current evidence and update the date",
            )
