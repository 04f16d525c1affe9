"""Crisis lines per country, loaded from ``lines.yaml`` and validated on load.

``load_crisis_lines()`` reads the packaged file (or another path an operator gives);
``CrisisLines.for_country(code, language=...)`` gives the card for one country, or for an unknown
country the international card, which also carries a short list of the countries where the
person's language is spoken (``language_cards``; English when the language has no card).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.crisis._yaml import read_yaml_mapping, validation_error
from bot.safe_yaml import StrictModel

DEFAULT_LINES_PATH = Path(__file__).with_name("lines.yaml")
INTERNATIONAL = "international"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Number = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[*+]?[0-9][0-9 -]{1,18}[0-9]$")
]
Web = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}(/\S*)?$"),
]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
FALLBACK_LANGUAGE = "en"


class _Entry(StrictModel):
    """What every entry has: notes per language, a website, how and when it was checked.

    Status ``A`` was read on the service's or a government page, ``S`` in a secondary source and
    ``?`` is doubtful; ``S`` and ``?`` entries must carry ``web`` so the person can confirm.
    """

    notes: dict[LanguageCode, Text] | None = None
    web: Web | None = None
    status: Literal["A", "S", "?"]
    verified: dt.date

    @field_validator("notes")
    @classmethod
    def _english_notes_first(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None and FALLBACK_LANGUAGE not in value:
            raise ValueError("notes need an 'en' entry, shown when no other language fits")
        return value

    @property
    def needs_confirming(self) -> bool:
        """True when the number comes from a secondary or doubtful source."""
        return self.status != "A"

    def notes_in(self, language: str, *, fallback: bool = True) -> str | None:
        """The notes in ``language``; English unless ``fallback`` is off; ``None`` when none."""
        if self.notes is None:
            return None
        if language in self.notes:
            return self.notes[language]
        return self.notes[FALLBACK_LANGUAGE] if fallback else None


class Emergency(_Entry):
    """A country's emergency number (``call``), with an optional note such as "112 also works"."""

    call: Number


class Service(_Entry):
    """One crisis service: how to call it, how to text it, its website and how it was checked.

    Status ``S`` (from a secondary source) must carry ``web`` so the person can confirm the number.
    """

    name: Text
    call: Number | None = None
    text: Number | None = None
    text_keyword: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,20}$")] | None = None
    languages: tuple[LanguageCode, ...] = ()  # the languages it answers in, where it matters

    @model_validator(mode="after")
    def _reachable_and_confirmable(self) -> Service:
        if self.call is None and self.text is None and self.web is None:
            raise ValueError("give at least one of call, text or web")
        if self.text_keyword is not None and self.text is None:
            raise ValueError("text_keyword needs the text number it is sent to")
        if self.needs_confirming and self.web is None:
            raise ValueError(f"status {self.status} needs web, so the person can confirm it")
        return self


class CountryLines(StrictModel):
    """What the crisis reply shows for one country.

    ``other_countries`` is filled by :class:`CrisisLines` on the international card only: a short
    list of the countries of the person's language, for a person whose country is not known.
    """

    code: str = ""
    name: Text
    emergency: Emergency
    services: tuple[Service, ...] = Field(min_length=1)
    other_countries: tuple[CountryLines, ...] = ()

    @property
    def is_international(self) -> bool:
        """True for the card shown when the person's country is not known."""
        return self.code == INTERNATIONAL

    def callable_services(self) -> tuple[Service, ...]:
        """The services that take phone calls, in file order."""
        return tuple(service for service in self.services if service.call is not None)

    def textable_services(self) -> tuple[Service, ...]:
        """The services that take text messages, in file order."""
        return tuple(service for service in self.services if service.text is not None)

    def first_service_for(self, language: str) -> Service:
        """The first service answering in ``language``, else the first service."""
        return next((s for s in self.services if language in s.languages), self.services[0])

    def entries(self) -> tuple[_Entry, ...]:
        """The emergency entry and every service, for checks that apply to all of them."""
        return (self.emergency, *self.services)


class _LinesFile(StrictModel):
    """The shape of ``lines.yaml``."""

    countries: dict[CountryCode, CountryLines] = Field(min_length=1)
    language_cards: dict[LanguageCode, tuple[CountryCode, ...]] = Field(default_factory=dict)
    international: CountryLines

    @model_validator(mode="after")
    def _cards_name_known_countries(self) -> _LinesFile:
        for language, codes in self.language_cards.items():
            unknown = sorted(set(codes) - set(self.countries))
            if unknown:
                raise ValueError(f"language_cards.{language}: no lines for {', '.join(unknown)}")
        if self.language_cards and FALLBACK_LANGUAGE not in self.language_cards:
            raise ValueError("language_cards needs an 'en' card, used for every other language")
        return self

    @model_validator(mode="after")
    def _no_derived_keys(self) -> _LinesFile:
        for country in (*self.countries.values(), self.international):
            derived = sorted(country.model_fields_set & {"code", "other_countries"})
            if derived:
                raise ValueError(f"{', '.join(derived)} is filled in by the loader; remove it")
        return self


class CrisisLines:
    """All crisis lines, looked up by ISO 3166 alpha-2 country code."""

    def __init__(
        self,
        countries: Mapping[str, CountryLines],
        international: CountryLines,
        language_cards: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._countries = {
            code: country.model_copy(update={"code": code, "other_countries": ()})
            for code, country in countries.items()
        }
        cards = dict(language_cards or {})
        cards.setdefault(FALLBACK_LANGUAGE, tuple(self._countries))
        self._international = {
            language: international.model_copy(
                update={
                    "code": INTERNATIONAL,
                    "other_countries": tuple(self._countries[code] for code in codes),
                }
            )
            for language, codes in cards.items()
        }
        # asked on every reply that shows lines; the lines are fixed once loaded
        self._known = tuple(self._countries)
        self._card_languages = tuple(self._international)

    def known_countries(self) -> tuple[str, ...]:
        """The country codes with their own lines, in file order."""
        return self._known

    def card_languages(self) -> tuple[str, ...]:
        """The languages with their own short card for an unknown country."""
        return self._card_languages

    def for_country(self, code: str | None, *, language: str | None = None) -> CountryLines:
        """The lines for ``code`` (any case); for ``None`` or an unknown code, the international
        card with the countries of ``language`` (English's when it has no card)."""
        international = self._international.get(
            language or FALLBACK_LANGUAGE, self._international[FALLBACK_LANGUAGE]
        )
        if code is None:
            return international
        return self._countries.get(code.strip().upper(), international)

    def stale_entries(self, *, today: dt.date, max_age_days: int = 120) -> list[str]:
        """Entries whose ``verified`` date is more than ``max_age_days`` before ``today``."""
        oldest = today - dt.timedelta(days=max_age_days)
        stale: list[str] = []
        for country in (*self._countries.values(), self._international[FALLBACK_LANGUAGE]):
            if country.emergency.verified < oldest:
                stale.append(f"{country.code} emergency (verified {country.emergency.verified})")
            stale.extend(
                f"{country.code} {service.name} (verified {service.verified})"
                for service in country.services
                if service.verified < oldest
            )
        return stale


def load_crisis_lines(path: Path | None = None) -> CrisisLines:
    """Read and validate a crisis-lines file (the packaged ``lines.yaml`` by default).

    Raises :class:`~bot.errors.ConfigError` naming the file and the key when anything is wrong.
    """
    source = path or DEFAULT_LINES_PATH
    data = read_yaml_mapping(source)
    try:
        parsed = _LinesFile.model_validate(data)
    except ValidationError as exc:
        raise validation_error(source, exc) from exc
    return CrisisLines(parsed.countries, parsed.international, parsed.language_cards)
