"""Reading a typed answer to the check-in question: yes, not sure (or a refusal), no, or none.

The phrases live in ``check_in_answers.yaml`` (English, Spanish, French, German, Portuguese,
Italian, Dutch). Only the start of a message is read: an answer comes first ("no, but how long
does a session take"), and a message that answers nothing is left to the flows. A refusal or an
evasive answer ("why do you care", "does it matter") counts as not sure, as the ASQ screener
counts a refusal as positive, and so does a message holding both a yes and a no.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from bot.crisis._yaml import read_yaml_mapping
from bot.errors import ConfigError

DEFAULT_ANSWERS_PATH = Path(__file__).with_name("check_in_answers.yaml")
ANSWER_WINDOW_WORDS = 3
"""An answer phrase counts only when it starts within this many words of the message's start."""
MAX_ANSWER_WORDS = 40
"""A longer message is not read as an answer at all."""

_APOSTROPHES = re.compile(r"['’‘`´]")
_NOT_WORD = re.compile(r"[^\w]+|_")


class Answer(StrEnum):
    """What a typed answer to the check-in means."""

    YES = "yes"
    NOT_SURE = "not_sure"
    REFUSED = "refused"  # a refusal or evasive answer: handled as not sure
    NO = "no"


@dataclass(frozen=True, slots=True)
class _Phrase:
    words: tuple[str, ...]
    answer: Answer
    at_start: bool
    at_end: bool


def fold(text: str) -> tuple[str, ...]:
    """Lower-case words without accents or punctuation; apostrophes dropped ("don't" -> "dont")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return tuple(_NOT_WORD.sub(" ", _APOSTROPHES.sub("", plain)).split())


class AnswerReader:
    """Recognises the answer phrases of one answers file."""

    def __init__(self, phrases: list[_Phrase]) -> None:
        self._by_first: dict[str, list[_Phrase]] = {}
        for phrase in sorted(phrases, key=lambda p: -len(p.words)):
            self._by_first.setdefault(phrase.words[0], []).append(phrase)

    def read(self, text: str) -> Answer | None:
        """The answer ``text`` gives, or ``None`` when it gives none."""
        words = fold(text)
        if not words or len(words) > MAX_ANSWER_WORDS:
            return None
        found: set[Answer] = set()
        position = 0
        while position < min(len(words), ANSWER_WINDOW_WORDS):
            phrase = self._longest_at(words, position)
            if phrase is None:
                position += 1
                continue
            found.add(phrase.answer)
            position += len(phrase.words)
        if Answer.REFUSED in found:
            return Answer.REFUSED
        if Answer.NOT_SURE in found or {Answer.YES, Answer.NO} <= found:
            return Answer.NOT_SURE
        if found:
            return found.pop()
        return None

    def _longest_at(self, words: tuple[str, ...], position: int) -> _Phrase | None:
        for phrase in self._by_first.get(words[position], ()):
            end = position + len(phrase.words)
            if words[position:end] != phrase.words:
                continue
            if phrase.at_start and position != 0:
                continue
            if phrase.at_end and end != len(words):
                continue
            return phrase
        return None


def load_answers(path: Path | None = None) -> AnswerReader:
    """Read an answers file (the packaged one by default); ConfigError naming the problem."""
    source = path or DEFAULT_ANSWERS_PATH
    data = read_yaml_mapping(source)
    phrases: list[_Phrase] = []
    for key, languages in data.items():
        try:
            answer = Answer(str(key))
        except ValueError:
            known = ", ".join(answer.value for answer in Answer)
            raise ConfigError(
                f"{source}: unknown answer {key!r} (expected one of {known}; quote yes and no)"
            ) from None
        if not isinstance(languages, dict):
            raise ConfigError(f"{source}: {key}: expected language -> list of phrases")
        for language, items in languages.items():
            if not isinstance(items, list):
                raise ConfigError(f"{source}: {key}.{language}: expected a list of phrases")
            for item in items:
                if not isinstance(item, str):
                    raise ConfigError(
                        f"{source}: {key}.{language}: {item!r} is not text; put it in quotes "
                        "(YAML reads yes, no, y, n, on, off, true and false as booleans)"
                    )
            for item in items:
                phrases.append(_phrase(source, f"{key}.{language}", item, answer))
    return AnswerReader(phrases)


def _phrase(source: Path, where: str, item: str, answer: Answer) -> _Phrase:
    raw = item.strip()
    at_start, at_end = raw.startswith("^"), raw.endswith("$")
    words = fold(raw.strip("^$"))
    if not words:
        raise ConfigError(f"{source}: {where}: {item!r} has no words")
    return _Phrase(words, answer, at_start, at_end)


@cache
def default_answers() -> AnswerReader:
    """The packaged answers, read once per process."""
    return load_answers()
