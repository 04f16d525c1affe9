"""The wording of the fixed replies, loaded from ``wording.yaml`` and checked on load.

The checks keep the safe-messaging rules that can be checked mechanically: plain text only, no
question mark outside the texts that ask (``QUESTION_PLACES``), one question per text, known
placeholders only, and at least two variants wherever the crisis reply varies on repeats. The same
checks run on every translation (:mod:`bot.i18n`), which is built as a :class:`Wording` too.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from bot.crisis._yaml import read_yaml_mapping, validation_error
from bot.model import Risk
from bot.safe_yaml import StrictModel, dotted_strings

DEFAULT_WORDING_PATH = Path(__file__).with_name("wording.yaml")

Voice = Literal["self", "self_harm", "means", "helper", "mention"]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]
Variants = Annotated[tuple[Line, ...], Field(min_length=2)]

PLACEHOLDERS = frozenset(
    {
        "emergency",
        "button",
        "topic",
        "country",
        "points",
        "line",
        "number",
        "keyword",
        "first",
        "second",
        "name",
        "code",
    }
)
# The only texts that may ask, each exactly one question; crisis.questions must end with it.
QUESTION_PLACES = (
    "crisis.questions.",
    "check_in.question",
    "system.forget_ask",
    "system.country_ask",
    "system.language_ask",
    "general.too_long",
)
MARKUP = ("*", "_", "`", "<", ">", "[", "]")


class ByRisk(StrictModel):
    """Variants per risk level; ``default`` covers every level not given its own."""

    concern: Variants | None = None
    high: Variants | None = None
    imminent: Variants | None = None
    default: Variants | None = None

    @model_validator(mode="after")
    def _every_level_covered(self) -> ByRisk:
        if self.default is None and None in (self.concern, self.high, self.imminent):
            raise ValueError("give concern, high and imminent, or a default")
        return self

    def for_risk(self, risk: Risk) -> tuple[str, ...]:
        """The variants for ``risk``."""
        chosen: tuple[str, ...] | None = getattr(self, risk.value)
        if chosen is None:
            assert self.default is not None  # guaranteed by the validator
            return self.default
        return chosen


class Urgent(StrictModel):
    """The imminent-risk paragraph shown first, for the person and for a helper."""

    person: Line
    helper: Line


class Support(StrictModel):
    """Encouragement towards professional help and a trusted person; ``helper`` for helpers."""

    default: Variants
    helper: Variants


class HumanWording(StrictModel):
    """The offer of a person from the team."""

    offer: Line
    contacts: Line
    caveat: Line


class CrisisWording(StrictModel):
    """Everything the crisis reply says around the lines."""

    voices: dict[str, Voice]
    openings: dict[Voice, ByRisk]
    urgent: Urgent
    notices: Variants
    barriers: Variants
    barriers_without_text: Variants
    support: Support
    human: HumanWording
    questions: dict[Voice, ByRisk]
    closings: Variants

    @model_validator(mode="after")
    def _every_voice_worded(self) -> CrisisWording:
        for section in ("openings", "questions"):
            missing = sorted(set(get_args(Voice)) - set(getattr(self, section)))
            if missing:
                raise ValueError(f"{section} lacks the voices {', '.join(missing)}")
        return self

    def voice_for(self, category: str) -> Voice:
        """The voice used for a gate ``category`` (``self`` for any category not mapped)."""
        return self.voices.get(category, "self")


class CheckInButtons(StrictModel):
    """The three answers to the check-in question."""

    yes: Line
    not_sure: Line
    no: Line


class CheckInWording(StrictModel):
    """The direct check-in question, the words before its lines, its buttons, the thanks."""

    question: Line
    lines_intro: Line
    buttons: CheckInButtons
    after_no: Line
    stale: Line


class CardWording(StrictModel):
    """Headers and labels of the plain-text crisis-lines card."""

    header: Line
    elsewhere_header: Line
    international_header: Line
    emergency: Line
    local_emergency: Line
    confirm: Line
    call: Line
    text: Line
    text_keyword: Line
    call_or_text: Line
    either: Line
    emergency_short: Line
    unknown_country: Line


class ButtonWording(StrictModel):
    """Labels of the buttons the fixed replies carry."""

    human: Line
    country_known: Line
    country_unknown: Line
    menu: Line
    language: Line
    somewhere_else: Line
    forget_yes: Line
    forget_no: Line


class LinesOnlyWording(StrictModel):
    """The reply to a request for crisis lines (a /crisis command)."""

    intro: Line


class NonTextWording(StrictModel):
    """The reply to a message with nothing to read (sticker, voice note, photo)."""

    text: Line
    line: Line


class AdviceWording(StrictModel):
    """The medical-advice reply; ``reasons``: gate reason -> what a clinician would look at."""

    intro: Line
    why: Line
    look_at: Line
    next: Line
    topic: Line
    reasons: dict[str, Line]

    @model_validator(mode="after")
    def _has_general(self) -> AdviceWording:
        if "general" not in self.reasons:
            raise ValueError("reasons needs a 'general' entry for reasons not listed")
        return self

    def points_for(self, reason: str) -> str:
        """What a clinician would look at for ``reason`` (the general list when unknown)."""
        return self.reasons.get(reason.strip().lower(), self.reasons["general"])


class SystemWording(StrictModel):
    """The system commands' replies and the group-chat notices."""

    privacy: Line
    forget_ask: Line
    forget_done: Line
    forget_kept: Line
    stop: Line
    human_ack: Line
    human_unavailable: Line
    country_ask: Line
    country_set: Line
    country_unknown: Line
    language_ask: Line
    language_set: Line
    group_notice: Line
    failure_notice: Line
    group_crisis: Line


class RelayWording(StrictModel):
    """What the person is told as a person from the team joins, leaves or ends the conversation."""

    person_joined: Line
    person_left: Line
    person_ended_after_handoff: Line
    person_ended: Line
    moderator_prefix: Line


class GeneralWording(StrictModel):
    """Texts around the topics (a missing translation here is a warning, not an error)."""

    welcome: Line
    english_only: Line
    fallback: Line
    too_long: Line


class Wording(StrictModel):
    """The whole ``wording.yaml``."""

    crisis: CrisisWording
    check_in: CheckInWording
    cards: CardWording
    buttons: ButtonWording
    lines_only: LinesOnlyWording
    non_text: NonTextWording
    advice: AdviceWording
    system: SystemWording
    relay: RelayWording
    general: GeneralWording

    @model_validator(mode="after")
    def _plain_single_question_text(self) -> Wording:
        for where, text in dotted_strings(self.model_dump(exclude={"crisis": {"voices"}})):
            if any(mark in text for mark in MARKUP):
                raise ValueError(f"{where}: plain text only, no {' '.join(MARKUP)}")
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
            if names - PLACEHOLDERS:
                raise ValueError(f"{where}: unknown placeholder {sorted(names - PLACEHOLDERS)}")
            if (where.startswith("crisis.questions.") or where == "check_in.question") and (
                text.count("?") != 1 or not text.endswith("?")
            ):
                raise ValueError(f"{where}: a question variant is exactly one question")
            may_ask = where.startswith(QUESTION_PLACES)
            if text.count("?") > (1 if may_ask else 0):
                raise ValueError(
                    f"{where}: only crisis.questions and {', '.join(QUESTION_PLACES[1:])} "
                    "may ask a question, one at most"
                )
        return self


def load_wording(path: Path | None = None) -> Wording:
    """Read and check a wording file (the packaged ``wording.yaml`` by default)."""
    source = path or DEFAULT_WORDING_PATH
    try:
        return Wording.model_validate(read_yaml_mapping(source))
    except ValidationError as exc:
        raise validation_error(source, exc) from exc


@cache
def default_wording() -> Wording:
    """The packaged wording, read once per process."""
    return load_wording()
