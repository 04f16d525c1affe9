"""Translations of the fixed replies, read from gettext ``.po`` catalogs with Babel.

Each text of ``wording.yaml`` is one catalog message: ``msgctxt`` is its place in the file
(``crisis.notices.0``) and ``msgid`` its English text, so a changed English text makes the old
translation stop matching instead of silently showing something out of date. A translated wording
is built as a :class:`~bot.crisis.wording.Wording` and so passes the same safe-messaging checks as
the English one (plain text, one question at most, known placeholders).

A text a catalog lacks falls back to English at run time; ``crisisbot check`` reports it: an error
for a safety text (``SAFETY_SECTIONS``), a warning for the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po
from pydantic import ValidationError

from bot.crisis.wording import Wording, default_wording
from bot.errors import ConfigError
from bot.safe_yaml import dotted_strings

log = logging.getLogger(__name__)

DEFAULT_LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "crisisbot"
SOURCE_LANGUAGE = "en"
MAX_CATALOG_BYTES = 512 * 1024
# Sections whose texts a person in danger may read: missing in any enabled language is an error.
SAFETY_SECTIONS = frozenset(
    {
        "crisis",
        "cards",
        "buttons",
        "lines_only",
        "non_text",
        "advice",
        "check_in",
        "system",
        "relay",
    }
)
_NOT_TEXT = (
    "crisis.voices.",  # data in the wording file, not words to translate
    "system.failure_notice",  # sent when a message could not be read: its language is unknown
)


def source_texts(wording: Wording) -> Iterator[tuple[str, str]]:
    """Every translatable text of ``wording``: its dotted place and its English text."""
    yield from (
        (where, text)
        for where, text in dotted_strings(wording.model_dump(mode="python"))
        if not where.startswith(_NOT_TEXT)
    )


def is_safety_text(where: str) -> bool:
    """True for a text in a safety section (its translation must exist)."""
    return where.split(".", 1)[0] in SAFETY_SECTIONS


@cache
def language_name(language: str) -> str:
    """The language's own name for itself, capitalised (``Deutsch``, ``Español``)."""
    try:
        name = Locale.parse(language).get_display_name(language)
    except (UnknownLocaleError, ValueError):
        return language
    return name[:1].upper() + name[1:] if name else language


@dataclass(frozen=True, slots=True)
class Translation:
    """One language: its wording, and the texts its catalog lacks (shown in English)."""

    language: str
    wording: Wording
    source: Path | None
    missing_safety: tuple[str, ...] = ()
    missing_other: tuple[str, ...] = ()


class Languages:
    """The wording of every enabled language; unknown languages get English."""

    def __init__(self, translations: Iterable[Translation]) -> None:
        self._by_language = {t.language: t for t in translations}
        if SOURCE_LANGUAGE not in self._by_language:
            raise ConfigError("the English source wording is missing from the languages")

    def enabled(self) -> tuple[str, ...]:
        """Codes of the languages with wording, English first."""
        others = sorted(code for code in self._by_language if code != SOURCE_LANGUAGE)
        return (SOURCE_LANGUAGE, *others)

    def wording(self, language: str | None) -> Wording:
        """The wording for ``language``, English when it is not enabled."""
        chosen = self._by_language.get(language or SOURCE_LANGUAGE)
        return (chosen or self._by_language[SOURCE_LANGUAGE]).wording

    def translations(self) -> tuple[Translation, ...]:
        """Every language with what its catalog lacks, English first."""
        return tuple(self._by_language[code] for code in self.enabled())

    def problems(self) -> tuple[list[str], list[str]]:
        """``(errors, warnings)``: safety texts missing in a language, and other missing texts."""
        errors: list[str] = []
        warnings: list[str] = []
        for translation in self.translations():
            where = translation.source or translation.language
            errors += [
                f"{where}: no translation of the safety text {k}"
                for k in translation.missing_safety
            ]
            warnings += [
                f"{where}: no translation of {k} (shown in English)"
                for k in translation.missing_other
            ]
        return errors, warnings


def read_catalog(path: Path) -> Catalog:
    """Read one ``.po`` file, or raise ConfigError naming the file and what is wrong."""
    try:
        if path.stat().st_size > MAX_CATALOG_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_CATALOG_BYTES} bytes; is it a catalog?")
        with path.open("rb") as handle:
            return read_po(handle, abort_invalid=True)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the catalog ({exc.strerror})") from exc
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a valid gettext catalog ({exc}); fix or remove it") from exc


def translate(english: Wording, catalog: Catalog, *, language: str, source: Path) -> Translation:
    """``english`` with every text the catalog translates replaced, checked like the original."""
    data: dict[str, Any] = english.model_dump(mode="json")  # lists, so texts can be replaced
    missing: list[str] = []
    for where, text in source_texts(english):
        message = catalog.get(text, context=where)
        translated = message.string if message is not None and not message.fuzzy else ""
        if isinstance(translated, str) and translated.strip():
            _put(data, where, translated.strip())
        else:
            missing.append(where)
    try:
        wording = Wording.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{source}: {'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        ]
        raise ConfigError("\n".join([*problems, f"Fix the translation in {source}."])) from exc
    return Translation(
        language=language,
        wording=wording,
        source=source,
        missing_safety=tuple(w for w in missing if is_safety_text(w)),
        missing_other=tuple(w for w in missing if not is_safety_text(w)),
    )


def find_catalogs(directories: Iterable[Path]) -> dict[str, Path]:
    """``<dir>/<lang>/LC_MESSAGES/crisisbot.po`` per language; a later directory wins."""
    found: dict[str, Path] = {}
    for directory in directories:
        for path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            language = path.parent.parent.name
            if language != SOURCE_LANGUAGE:
                found[language] = path
    return found


def load_languages(english: Wording | None = None, extra_dirs: Iterable[Path] = ()) -> Languages:
    """English plus every catalog in the packaged locales and in ``extra_dirs`` (an operator's)."""
    source = english or default_wording()
    translations = [Translation(SOURCE_LANGUAGE, source, None)]
    for language, path in find_catalogs([DEFAULT_LOCALES_DIR, *extra_dirs]).items():
        translation = translate(source, read_catalog(path), language=language, source=path)
        if translation.missing_safety:
            log.warning(
                "catalog %s lacks %d safety texts; they are shown in English",
                path,
                len(translation.missing_safety),
            )
        translations.append(translation)
    return Languages(translations)


@cache
def default_languages() -> Languages:
    """The packaged languages, read once per process."""
    return load_languages()


def template(english: Wording | None = None) -> Catalog:
    """The catalog template (``.pot``) of every text, for translators and ``pybabel update``."""
    catalog = Catalog(project=DOMAIN, domain=DOMAIN, fuzzy=False)
    for where, text in source_texts(english or default_wording()):
        auto = ["safety text: must be translated"] if is_safety_text(where) else []
        catalog.add(text, context=where, auto_comments=auto)
    return catalog


def _put(data: Any, where: str, value: str) -> None:
    *parents, last = where.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
