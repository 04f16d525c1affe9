"""Which country's lines to show: the person's choice, a hint from their app, or their language's.

Telegram gives no location, only the language of the person's app (an IETF tag such as ``pt-BR``).
The region part is a hint, never a fact: the person can always pick their country. A bare language
(``en``, ``fr``) says nothing about the country, except Irish (``ga``), which points to Ireland;
for it the person gets the short card of the countries where their language is spoken.
"""

from __future__ import annotations

from collections.abc import Collection

NO_COUNTRY = "XX"  # the person said their country is none of the listed ones

# Region subtags that are not the country's ISO code. "UK" is not a valid subtag, but some
# clients send it for the United Kingdom.
_REGION_ALIASES = {"UK": "GB"}

# Languages that point to one country on their own, without a region.
_LANGUAGE_TO_COUNTRY = {"ga": "IE"}


def country_from_language(
    language_code: str | None, known: Collection[str] | None = None
) -> str | None:
    """The country hinted by ``language_code`` (among ``known`` when given), else ``None``.

    >>> country_from_language("en-GB"), country_from_language("pt-BR"), country_from_language("en")
    ('GB', 'BR', None)
    """
    if not language_code:
        return None
    parts = language_code.strip().replace("_", "-").split("-")
    language = parts[0].lower()
    hinted: str | None = _LANGUAGE_TO_COUNTRY.get(language)
    # Subtags after the language: a 2-letter one is the region (a 4-letter one is a script).
    for subtag in parts[1:]:
        if len(subtag) == 2 and subtag.isalpha():
            hinted = _REGION_ALIASES.get(subtag.upper(), subtag.upper())
            break
    if hinted is None or (known is not None and hinted not in known):
        return None
    return hinted


def country_for(
    *,
    chosen: str | None,
    language_code: str | None,
    language: str,
    default_country: str | None,
    known: Collection[str],
    card_languages: Collection[str],
) -> str | None:
    """The country whose lines to show, or ``None`` for the card of ``language``'s countries.

    Order: the person's ``/country`` choice; the region of their app's ``language_code``; for a
    language other than English that has a card, that card; else the configured default.
    """
    if chosen == NO_COUNTRY:
        return None
    if chosen:
        return chosen
    hinted = country_from_language(language_code, known)
    if hinted is not None:
        return hinted
    if language != "en" and language in card_languages:
        return None
    return default_country
