"""The country hint from a Telegram language code."""

from __future__ import annotations

import pytest

from bot.crisis import country_from_language
from bot.crisis.language import country_for


@pytest.mark.parametrize(
    ("language_code", "country"),
    [
        ("en-GB", "GB"),
        ("en-gb", "GB"),
        ("en_GB", "GB"),
        ("en-UK", "GB"),
        ("en-US", "US"),
        ("es-US", "US"),
        ("en-CA", "CA"),
        ("fr-CA", "CA"),
        ("en-AU", "AU"),
        ("en-IE", "IE"),
        ("ga", "IE"),
        ("ga-IE", "IE"),
        ("GA", "IE"),
        ("zh-Hant-AU", "AU"),
        ("en", None),
        ("fr", None),
        ("fr-FR", "FR"),
        ("de-DE", "DE"),
        ("pt-br", "BR"),
        ("en-NZ", "NZ"),
        ("de-AT", "AT"),
        ("en-419", None),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_language_code_hints_country(language_code: str | None, country: str | None) -> None:
    assert country_from_language(language_code) == country


@pytest.mark.parametrize(
    ("language_code", "country"), [("en-GB", "GB"), ("fr-BF", None), ("pt-BR", "BR"), ("ga", "IE")]
)
def test_a_region_without_lines_gives_no_hint(language_code: str, country: str | None) -> None:
    assert country_from_language(language_code, known={"GB", "BR", "IE"}) == country


KNOWN = ("US", "GB", "DE", "ES", "BR")
CARDS = ("en", "es", "de", "pt")


@pytest.mark.parametrize(
    ("chosen", "language_code", "language", "expected"),
    [
        ("GB", "de-DE", "de", "GB"),  # the person's choice first
        ("XX", "de-DE", "de", None),  # "somewhere else": the language's card
        (None, "pt-BR", "pt", "BR"),  # then the app's region
        (None, "es", "es", None),  # then the Spanish card
        (None, None, "de", None),  # the language written in, without any code
        (None, "en", "en", "US"),  # English without a region: the configured default
        (None, "sv", "sv", "US"),  # a language without a card: the default
        (None, "es-PE", "es", None),  # a region without lines: the language's card
    ],
)
def test_country_choice_order(
    chosen: str | None, language_code: str | None, language: str, expected: str | None
) -> None:
    found = country_for(
        chosen=chosen,
        language_code=language_code,
        language=language,
        default_country="US",
        known=KNOWN,
        card_languages=CARDS,
    )
    assert found == expected
