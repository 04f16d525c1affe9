"""The country hint from a Telegram language code."""

from __future__ import annotations

import pytest

from bot.crisis import country_from_language


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
        ("fr-FR", None),
        ("de-DE", None),
        ("pt-br", None),
        ("en-NZ", None),
        ("en-419", None),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_language_code_hints_country(language_code: str | None, country: str | None) -> None:
    assert country_from_language(language_code) == country
