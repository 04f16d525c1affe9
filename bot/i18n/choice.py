"""Which language to write in: the person's choice, their message's language, their app's.

Order: the choice made with ``/language`` (kept in the record); else the language their messages
are written in, when the identifier is confident and the message long enough; else the language
of their Telegram app (``language_code``); else English. A detected language is sticky: it
replaces the previous one only after ``STICKY_AFTER`` confident messages in a row agree, so a
single English word in a German conversation does not switch the replies.

:func:`language_for_moderators` tells the moderators, in English, which language the person
writes in and where that comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError

from bot.model import ConversationRecord

if TYPE_CHECKING:
    from bot.embedding.langid import LanguageRanker

SOURCE_LANGUAGE = "en"
MIN_DETECT_CHARS = 25  # shorter messages say too little about their language
MIN_DISTINCT_WORDS = 3  # "word word word ..." is no sentence in any language
MAX_DETECT_CHARS = 1000  # the start of a long message says enough, at bounded cost
MIN_CONFIDENCE = 0.9  # py3langid's normalised probability
STICKY_AFTER = 2
_WORD = re.compile(r"[^\W\d_]{2,}")


def language_of_code(language_code: str | None, enabled: tuple[str, ...]) -> str | None:
    """The enabled language of a Telegram ``language_code`` such as ``pt-BR``, if any."""
    if not language_code:
        return None
    language = language_code.strip().replace("_", "-").split("-")[0].lower()
    return language if language in enabled else None


@dataclass(frozen=True, slots=True)
class Detected:
    """What the conversation's messages say about its language: the current one and a candidate."""

    language: str | None = None
    candidate: str | None = None
    streak: int = 0


@cache
def _identifier(enabled: tuple[str, ...]) -> LanguageRanker:
    from bot.embedding.langid import language_ranker

    return language_ranker(enabled)


def identify(text: str, enabled: tuple[str, ...]) -> str | None:
    """The language of ``text`` among ``enabled``, or ``None`` when short or unsure."""
    sample = _sample(text, enabled)
    if sample is None:
        return None
    language, confidence = _identifier(enabled).classify(sample)
    return language if confidence >= MIN_CONFIDENCE else None


def prepare_identify(texts: Iterable[str], enabled: tuple[str, ...]) -> None:
    """Do ahead, for a batch of messages, the identifier's work :func:`identify` will ask for
    (a cache of the last batch only: the same answers with or without it)."""
    if len(enabled) < 2:  # no choice to make: nothing is identified
        return
    # a batch with no text to identify still replaces the last one, which is then not kept
    _identifier(enabled).prepare(
        [sample for sample in (_sample(text, enabled) for text in texts) if sample]
    )


def _sample(text: str, enabled: tuple[str, ...]) -> str | None:
    """What the identifier reads of ``text``: its words, lower case; ``None`` when it is too
    short or has too few distinct words to tell, or there is no choice to make."""
    sample = text.strip()[:MAX_DETECT_CHARS]
    if len(sample) < MIN_DETECT_CHARS or len(enabled) < 2:
        return None
    words = _WORD.findall(sample.casefold())  # capitals and junk mislead the identifier
    if len(set(words)) < MIN_DISTINCT_WORDS:
        return None
    return " ".join(words)


def observe(previous: Detected, text: str, enabled: tuple[str, ...]) -> Detected:
    """``previous`` updated with one more message: sticky, switching only on agreement."""
    found = identify(text, enabled)
    if found is None:
        return previous  # a short or unclear message says nothing either way
    if found == previous.language:
        return Detected(previous.language)
    if previous.language is None:
        return Detected(found)
    streak = previous.streak + 1 if found == previous.candidate else 1
    if streak >= STICKY_AFTER:
        return Detected(found)
    return Detected(previous.language, found, streak)


def choose_language(
    *,
    chosen: str | None,
    detected: str | None,
    language_code: str | None,
    enabled: tuple[str, ...],
) -> str:
    """The language to write in, by the order in the module's docstring."""
    for candidate in (chosen, detected, language_of_code(language_code, enabled)):
        if candidate and candidate in enabled:
            return candidate
    return SOURCE_LANGUAGE


def language_for_moderators(record: ConversationRecord | None) -> str | None:
    """The person's language for a moderator alert, in English, with where it comes from."""
    if record is None:
        return None
    if record.language:
        return f"{_english_name(record.language)} (chosen with /language)"
    if record.detected_language:
        return f"{_english_name(record.detected_language)} (the language of their messages)"
    if record.language_code:
        code = record.language_code.strip()[:16]
        return f"{_english_name(code.replace('_', '-').split('-')[0])} (their app, {code})"
    return None


def _english_name(code: str) -> str:
    try:
        name = Locale.parse(code.lower()).get_display_name("en")
    except (UnknownLocaleError, ValueError):
        return code
    return f"{name} ({code.lower()})" if name else code
