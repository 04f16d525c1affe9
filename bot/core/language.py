"""The language and the country of one conversation, from its record (see :mod:`bot.i18n`).

Kept apart from the pipeline so the pipeline only asks "which language, which country".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from bot.crisis.language import country_for
from bot.i18n.choice import Detected, choose_language, observe, prepare_identify
from bot.model import ConversationRecord, Inbound, InboundKind

# Inbounds whose text the person wrote as a message (a command's arguments or a button's label
# say little about the language they write in).
_WRITTEN = frozenset({InboundKind.TEXT, InboundKind.EDIT, InboundKind.CAPTION})


def observe_language(
    record: ConversationRecord, inbound: Inbound, enabled: tuple[str, ...]
) -> dict[str, object]:
    """What ``inbound``'s text says about the person's language: the record's fields it changes
    (none when it says nothing new), for the turn's one copy of the record."""
    if inbound.kind not in _WRITTEN or not inbound.text:
        return {}
    before = Detected(record.detected_language, record.language_candidate, record.language_streak)
    after = observe(before, inbound.text, enabled)
    if after == before:
        return {}
    return {
        "detected_language": after.language,
        "language_candidate": after.candidate,
        "language_streak": after.streak,
    }


def prepare_languages(texts: Iterable[str], enabled: tuple[str, ...]) -> None:
    """Identify ahead, for a batch, the language of each of ``texts`` that
    :func:`observe_language` will ask for (a cache: the same answers without it)."""
    prepare_identify(texts, enabled)


def reply_language(record: ConversationRecord, enabled: tuple[str, ...]) -> str:
    """The language to answer in: choice, then messages, then the app's, then English."""
    return choose_language(
        chosen=record.language,
        detected=record.detected_language,
        language_code=record.language_code,
        enabled=enabled,
    )


def lines_country(
    record: ConversationRecord,
    *,
    language: str,
    default_country: str | None,
    known: Collection[str],
    card_languages: Collection[str],
) -> str | None:
    """The country whose lines to show, or ``None`` for the card of ``language``'s countries."""
    return country_for(
        chosen=record.country,
        language_code=record.language_code,
        language=language,
        default_country=default_country,
        known=known,
        card_languages=card_languages,
    )
