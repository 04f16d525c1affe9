"""Which of the supported languages a message is plausibly written in.

Scripts decide first: Arabic letters mean Arabic, Devanagari Hindi, kana Japanese, Hangul Korean,
Han characters (without kana) Chinese;
Cyrillic is Russian or Ukrainian (Ukrainian letters or py3langid tell which). Latin text goes to
py3langid restricted with ``set_languages`` to the Latin-script languages, and romanised Hindi
and Arabic (which no identifier here knows) are recognised by a few very common words.

Language identification misreads short chat lines, so it decides little: every language but
English uses thresholds no stricter than the all-languages ones (see
:mod:`bot.gate.semantic.thresholds`). Japanese and Korean have no exemplars or thresholds of their
own, so they get the all-languages ones (before, Japanese with kanji was read as Chinese and
Korean as English, the strictest).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

from bot.embedding.langid import language_ranker

LANGUAGES = (
    "en", "es", "fr", "de", "pt", "it", "nl", "ru", "uk", "pl", "tr",
    "ar", "ar-Latn", "hi", "hi-Latn", "zh",
)  # fmt: skip
"""Every language the semantic detector has exemplars and thresholds for."""
LATIN_IDENTIFIED = ("en", "es", "fr", "de", "pt", "it", "nl", "pl", "tr")
MAX_ID_CHARS = 300
PLAUSIBLE_PROBABILITY = 0.15

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_UKRAINIAN = re.compile(r"[іїєґІЇЄҐ]")
_RUSSIAN = re.compile(r"[ыэъёЫЭЪЁ]")
_WORD = re.compile(r"[a-z0-9']+")
_HINDI_WORDS = frozenset(
    [
        "hai",
        "hain",
        "nahi",
        "nahin",
        "mujhe",
        "mujhko",
        "mera",
        "meri",
        "mere",
        "kya",
        "hoon",
        "hun",
        "hu",
        "kar",
        "raha",
        "rahi",
        "yaar",
        "bhi",
        "kuch",
        "zindagi",
        "marna",
        "jeena",
        "chahta",
        "chahti",
        "kyun",
        "kyu",
        "sab",
        "bahut",
        "tha",
        "thi",
        "aur",
        "woh",
        "phir",
        "shukriya",
    ]
)
_ARABIC_WORDS = frozenset(
    [
        "ana",
        "enta",
        "enti",
        "inta",
        "inti",
        "mesh",
        "msh",
        "mish",
        "mush",
        "3ayez",
        "3ayz",
        "3ayza",
        "ayez",
        "wallah",
        "walla",
        "khalas",
        "mawt",
        "amoot",
        "amot",
        "fel",
        "leh",
        "lesh",
        "shu",
        "ma3",
        "ba3d",
        "7ayati",
        "7aga",
        "hayati",
        "allah",
        "inshallah",
        "hayda",
        "hayde",
        "kteer",
        "ktir",
    ]
)
_LATIN_GUESSES = frozenset({*LATIN_IDENTIFIED, "hi-Latn", "ar-Latn", "en"})
"""Every language a text without another script's letters can be guessed as."""
_SCRIPT_GUESSES = (
    (_ARABIC, ("ar",)),
    (_DEVANAGARI, ("hi",)),
    (_KANA, ("ja",)),
    (_HANGUL, ("ko",)),
    (_HAN, ("zh",)),
    (_CYRILLIC, ("ru", "uk")),
)
"""Each script and the languages a guess names only when a text holds its letters (what
:meth:`LanguageIdentifier.guess` and :meth:`LanguageIdentifier.may_guess_outside` both read)."""
_ARABIZI_DIGIT = re.compile(r"[a-z][2-9][a-z]|\b[2-9][a-z]{2,}")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The most likely language and every language the text may plausibly be in."""

    best: str
    plausible: tuple[str, ...]


class LanguageIdentifier:
    """Identifies the supported languages; thread-safe, loaded once."""

    def __init__(self) -> None:
        self._latin = language_ranker(LATIN_IDENTIFIED)
        self._cyrillic = language_ranker(["ru", "uk"])
        self._lock = threading.Lock()

    def guess(self, text: str) -> LanguageGuess:
        """Guess the language of ``text`` (any length; only its start is read)."""
        sample = text[:MAX_ID_CHARS]
        latin = self._latin_languages(sample)
        scripts = [] if sample.isascii() else self._scripts(sample)
        if scripts:
            letters = sum(char.isalpha() for char in sample) or 1
            latin_share = sum("a" <= char.lower() <= "z" for char in sample) / letters
            ordered = scripts + latin if latin_share < 0.5 else latin + scripts
        else:
            ordered = latin
        plausible = tuple(dict.fromkeys(ordered)) or ("en",)
        return LanguageGuess(plausible[0], plausible)

    def _scripts(self, sample: str) -> list[str]:
        """The languages the sample's letters of other scripts than Latin point to (none in an
        ASCII sample, which is not searched), in the order of :data:`_SCRIPT_GUESSES`."""
        scripts: list[str] = []
        for pattern, named in _SCRIPT_GUESSES:
            if pattern.search(sample):
                # Cyrillic: Russian or Ukrainian first, as the letters or py3langid tell
                scripts.extend(self._cyrillic_languages(sample) if pattern is _CYRILLIC else named)
        return scripts

    @staticmethod
    def may_guess_outside(languages: Collection[str]) -> Callable[[str], bool]:
        """A test, cheaper than :meth:`guess`, of whether the best guess for a text could be a
        language not in ``languages``: a Latin-script language can always be guessed, another
        script's languages only for a text whose sample holds letters of that script."""
        known = frozenset(languages)
        if not known.issuperset(_LATIN_GUESSES):
            return _always
        scripts = tuple(
            pattern for pattern, named in _SCRIPT_GUESSES if not known.issuperset(named)
        )

        def may_be_outside(text: str) -> bool:
            sample = text[:MAX_ID_CHARS]
            return any(pattern.search(sample) for pattern in scripts)

        return may_be_outside

    def _cyrillic_languages(self, sample: str) -> list[str]:
        if _UKRAINIAN.search(sample) and not _RUSSIAN.search(sample):
            return ["uk", "ru"]
        if _RUSSIAN.search(sample) and not _UKRAINIAN.search(sample):
            return ["ru", "uk"]
        with self._lock:
            ranked = self._cyrillic.rank(sample)
        return [lang for lang, _ in ranked]

    def _latin_languages(self, sample: str) -> list[str]:
        lowered = sample.lower()
        words = _WORD.findall(lowered)
        if not words:
            return []
        romanised = []
        hindi = sum(map(_HINDI_WORDS.__contains__, words))
        arabic = sum(map(_ARABIC_WORDS.__contains__, words)) + len(_ARABIZI_DIGIT.findall(lowered))
        if hindi >= 2 or (hindi and len(words) <= 3):
            romanised.append("hi-Latn")
        if arabic >= 2 or (arabic and len(words) <= 3):
            romanised.append("ar-Latn")
        with self._lock:
            ranked = self._latin.rank(sample)
        # p is py3langid's float32 probability as a Python float: at 0.15 the comparison is the
        # same as numpy's in float32 (no float32 lies between 0.15 and float32(0.15))
        identified = [lang for lang, p in ranked[:3] if p >= PLAUSIBLE_PROBABILITY]
        identified = identified or [ranked[0][0]]
        return romanised + identified


def _always(_: str) -> bool:
    return True


_shared: LanguageIdentifier | None = None
_shared_lock = threading.Lock()


def shared_identifier() -> LanguageIdentifier:
    """The process's one language identifier."""
    global _shared  # noqa: PLW0603 - one model per process, by design
    with _shared_lock:
        if _shared is None:
            _shared = LanguageIdentifier()
        return _shared


__all__ = ["LANGUAGES", "LanguageGuess", "LanguageIdentifier", "shared_identifier"]
