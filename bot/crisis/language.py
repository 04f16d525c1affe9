"""A country hint from a Telegram ``language_code``.

Telegram gives no location, only the language of the person's app (an IETF tag such as ``en-GB``).
The region part is a hint, never a fact: the person can always pick their country. A bare language
(``en``, ``fr``) says nothing about the country, except Irish (``ga``), which points to Ireland.
"""

from __future__ import annotations

# Region subtags that point to a country with its own crisis lines. "UK" is not a valid subtag,
# but some clients send it for the United Kingdom.
_REGION_TO_COUNTRY = {"US": "US", "CA": "CA", "GB": "GB", "UK": "GB", "IE": "IE", "AU": "AU"}

# Languages that point to one of those countries on their own, without a region.
_LANGUAGE_TO_COUNTRY = {"ga": "IE"}


def country_from_language(language_code: str | None) -> str | None:
    """The country code hinted by ``language_code``, or ``None`` when it hints none we know.

    >>> country_from_language("en-GB"), country_from_language("fr-CA"), country_from_language("en")
    ('GB', 'CA', None)
    """
    if not language_code:
        return None
    parts = language_code.strip().replace("_", "-").split("-")
    language = parts[0].lower()
    # Subtags after the language: a 2-letter one is the region (a 4-letter one is a script).
    for subtag in parts[1:]:
        if len(subtag) == 2 and subtag.isalpha():
            return _REGION_TO_COUNTRY.get(subtag.upper())
    return _LANGUAGE_TO_COUNTRY.get(language)
