"""The safety net: death, dying, lethality, overdose, self-harm and farewell vocabulary.

A message carrying such words never gets a ketamine topic, a goodbye reply or the generic
fallback: the gate asks at least a check-in question, unless the semantic detector is confidently
benign about it ("me muero de hambre", "this traffic is killing me"). The words are data,
``bot/gate/semantic/safety_net.yaml``, per language::

    languages:
      en: [suicid*, overdose*, "stop breathing", goodbye forever]
      zh: [自杀, 想死]

A term ending in ``*`` matches any word that starts so; other terms match whole words; terms of
several words match those words in a row. Terms in scripts written without spaces between words
(Chinese, Japanese) or with attached particles (Arabic, Devanagari, Korean) match anywhere in the
text. Matching is case-, accent- and width-insensitive, and costs one pass over the words of the
message.

Idioms (``idioms:`` in the same file, per language) read some of those words as everyday speech
("my phone died", "dying to know", "muerta de sueño"): the words an idiom covers ask no check-in
(:meth:`SafetyNet.asks`), and any other safety-net word of the message still does ("my phone
died and I want to die" asks). The semantic detector's bands keep reading every word
(:meth:`SafetyNet.hits`), so its thresholds stay where cross-validation put them.
An idiom is written like a term, with ``(a|b)`` for alternatives and ``(a|b)?`` for an optional
group of words::

    idioms:
      en: ["(phone|battery) (is|just)? (died|dead)", "dying to (know|see)"]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.errors import ModelError
from bot.gate.confusables import CONFUSABLES, LIGATURES
from bot.gate.normalize import CharMap
from bot.safe_yaml import YamlProblem, load_yaml_file, place_in_file

SAFETY_NET_FILE = Path(__file__).with_name("safety_net.yaml")
MAX_SCAN_CHARS = 8192
VARIANTS_CACHE_SIZE = 32
"""How many recent texts keep their folded views."""
_WORD_CACHE_LIMIT = 50_000
"""Words whose prefix terms are remembered (the set is emptied when it reaches this size)."""

_WORD = re.compile(r"\w+")
_ASCII_WORD = re.compile(r"[a-z0-9_]")
_ANYWHERE_SCRIPT = re.compile(
    r"[\u0600-\u06ff\u0750-\u077f\u0900-\u097f\u1100-\u11ff\u3040-\u30ff\u3130-\u318f"
    r"\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
"""Arabic, Devanagari, Hangul (folded into its letters, U+1100-U+11FF), kana and Han."""


_TATWEEL = "\u0640"
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
_CYRILLIC_WORD = re.compile(r"\w*[\u0400-\u04ff]\w*")
_CYRILLIC_LOOKALIKE = frozenset("abcehikmoptxy")
_TO_CYRILLIC = str.maketrans("abcehikmoptxy", "авсенікмортху")
"""Latin letters that look like Cyrillic ones (lower case, as after folding), back to Cyrillic:
the reverse of the normaliser's lookalikes, for words written mostly in Cyrillic."""
_LOOKALIKE_SCRIPTS = "\u0370-\u03ff\u0400-\u052f\u0530-\u058f"
_OTHER_SCRIPT = re.compile(f"[{_LOOKALIKE_SCRIPTS}]")
"""A Greek, Cyrillic or Armenian letter: the scripts whose lookalikes the normaliser maps."""
_MIXED_WORD = re.compile(f"\\w*[{_LOOKALIKE_SCRIPTS}]\\w*")
_TO_LATIN = {
    code: latin
    for code, latin in CONFUSABLES.items()
    if _OTHER_SCRIPT.match(chr(code)) and len(latin) == 1 and "a" <= latin <= "z"
}
"""Greek, Cyrillic and Armenian letters that look like Latin ones, to Latin: the normaliser's
lookalikes, for words written mostly in Latin ("kіll", "ѕuicide", "zаbić")."""
_DEVANAGARI_MARKS = "\u0900-\u0903\u093a-\u094c\u094e\u094f\u0951-\u0957\u0962\u0963"
_DEVANAGARI_SYLLABLE = (
    f"[\u0904-\u0939\u0958-\u0961\u0972-\u097f][{_DEVANAGARI_MARKS}]*"
    f"(?:\u094d[\u0915-\u0939\u0958-\u095f\u0978-\u097f][{_DEVANAGARI_MARKS}]*)*"
)
_SPACED_DEVANAGARI = re.compile(
    rf"(?<![\w\u0900-\u097f]){_DEVANAGARI_SYLLABLE}(?: {_DEVANAGARI_SYLLABLE}){{2,}}"
    r"(?![\w\u0900-\u097f])"
)
"""Three or more single Devanagari syllables (a letter with its marks, a conjunct written with
a virama) separated by spaces: "आ त्म ह त्या"."""
_LONG_RUN = re.compile(r"(\w)\1{2,}")
_IDIOM_TOKEN = re.compile(r"\(([^()]*)\)(\?)?|(\S+)")
_WORD_OR_STAR = re.compile(r"[^\W_]+\*?")
"""The words of an idiom, a trailing ``*`` kept; punctuation between them reads as a space."""
_SPACED = re.compile(r"(?<!\w)(?:\w ){2,}\w(?!\w)")
_ONE_LETTER_WORD = re.compile(r" \w ")
"""A letter between two spaces: what every match of ``_SPACED`` holds (most texts have none)."""


_UNCOMBINED = CharMap(lambda char: "" if unicodedata.combining(char) else char)
"""What :func:`fold` keeps of each character: nothing of a combining mark."""


def fold(text: str) -> str:
    """Case-, accent- and width-folded ``text`` (Cyrillic й and ё keep their letters folded too),
    ligatures written out ("cœur" reads as "coeur"), the Arabic stretching mark dropped and runs
    of three or more of a letter squeezed to one ("ente7aaar", "انـتـحـار")."""
    if text.isascii():
        folded = text.lower()  # the same as the general path for ASCII, without a loop per char
    else:
        plain = text.casefold().replace(_TATWEEL, "").translate(LIGATURES)
        decomposed = unicodedata.normalize("NFKD", plain)
        folded = _UNCOMBINED.apply(decomposed)
    return _LONG_RUN.sub(r"\1", folded)


def _cyrillic_lookalikes(folded: str) -> str:
    """Latin lookalikes inside Cyrillic words read as Cyrillic ("xочу yмepеть").

    A word with a Cyrillic letter is read so when each of its Latin letters has a Cyrillic
    lookalike ("уmepetь"), or when it has at least as many Cyrillic letters as Latin ones; a
    Latin word beside it ("iPhone") stays Latin.
    """

    def mapped(match: re.Match[str]) -> str:
        word = match.group()
        latin = _LATIN.findall(word)
        if latin and (
            all(letter in _CYRILLIC_LOOKALIKE for letter in latin)
            or len(_CYRILLIC.findall(word)) >= len(latin)
        ):
            return word.translate(_TO_CYRILLIC)
        return word

    return _CYRILLIC_WORD.sub(mapped, folded)


def _latin_lookalikes(folded: str) -> str:
    """Greek, Cyrillic or Armenian lookalikes inside Latin words read as Latin ("kіll myѕelf").

    A word with such a letter is read so when it has more Latin letters than letters of those
    scripts; a Russian or Ukrainian word ("привет", "дoм" or "нi" with one Latin letter) stays as
    it is.
    """

    def mapped(match: re.Match[str]) -> str:
        word = match.group()
        if len(_LATIN.findall(word)) > len(_OTHER_SCRIPT.findall(word)):
            return word.translate(_TO_LATIN)
        return word

    return _MIXED_WORD.sub(mapped, folded)


def _joined(folded: str) -> str:
    """``folded`` with words written one letter at a time joined ("с у ї ц и д")."""
    if _ONE_LETTER_WORD.search(folded) is None:
        return folded  # three letters spaced hold one between two spaces: the rest need none
    return _SPACED.sub(lambda match: match.group().replace(" ", ""), folded)


def _variants(text: str) -> list[str]:
    """The folded views of ``text`` to search: as written, with spaced letters joined, with Latin
    lookalikes inside Cyrillic words read as Cyrillic, with Greek, Cyrillic or Armenian
    lookalikes inside Latin words read as Latin, and with spaced Devanagari syllables joined
    (before folding drops the virama that binds a conjunct).

    Remembered for the last few texts: the semantic detector and the crisis terms read the same
    message one after the other.
    """
    return list(_variants_of(text))


def folded_text(text: str) -> str:
    """``fold`` of the part of ``text`` that is read (remembered, as :func:`_variants` is)."""
    return _variants_of(text)[0]


@lru_cache(maxsize=VARIANTS_CACHE_SIZE)
def _variants_of(text: str) -> tuple[str, ...]:
    text = text[:MAX_SCAN_CHARS]
    folded = fold(text)
    found = [folded]
    joined = _joined(folded)
    if joined != folded:
        found.append(joined)
    if not folded.isascii():  # an ASCII text has no Cyrillic, Greek or Armenian letter
        _add_lookalike_views(found, folded, joined)
    if not text.isascii() and _SPACED_DEVANAGARI.search(text):
        syllables = fold(_SPACED_DEVANAGARI.sub(lambda match: match.group().replace(" ", ""), text))
        if syllables not in found:
            found.append(syllables)
    return tuple(found)


def folded_words(text: str) -> tuple[str, ...]:
    """The words of :func:`folded_text`, in order (remembered: the safety net and the crisis
    terms read them too)."""
    return _words_of(folded_text(text))[0]


@lru_cache(maxsize=VARIANTS_CACHE_SIZE)
def _words_of(folded: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The words of a folded view, in order and each once: the safety net and the crisis terms
    read the same views one after the other."""
    words = tuple(_WORD.findall(folded))
    return words, frozenset(words)


def _add_lookalike_views(found: list[str], folded: str, joined: str) -> None:
    """Add to ``found`` the views of :func:`_variants` that read lookalike letters back."""
    if _CYRILLIC.search(folded) and _LATIN.search(folded):
        cyrillic = _cyrillic_lookalikes(joined)
        if cyrillic not in found:
            found.append(cyrillic)
    if _OTHER_SCRIPT.search(folded) and _LATIN.search(folded):
        latin = _latin_lookalikes(joined)
        if latin not in found:
            found.append(latin)


@dataclass(frozen=True, slots=True)
class _Term:
    words: tuple[str, ...]  # folded words; the last may be a prefix
    prefix: bool
    tag: int = 0  # which group of terms it came from (see SafetyNet.tags_in)


def _idiom_word(word: str) -> str:
    """One folded word of an idiom as a regex: a trailing ``*`` reads any ending."""
    if word.endswith("*"):
        return re.escape(word.rstrip("*")) + r"\w*"
    return re.escape(word)


def idiom_regex(idiom: str) -> str:
    """The regex of one idiom over folded text: words in a row, ``(a|b)`` alternatives of
    words, ``(a|b)?`` optional; whole words, except in scripts written without spaces."""
    folded = fold(idiom.strip())
    parts: list[str] = []
    for match in _IDIOM_TOKEN.finditer(folded):
        group, optional, word = match.groups()
        if word is not None:
            piece = r"[\W_]+".join(_idiom_word(w) for w in _WORD_OR_STAR.findall(word))
        else:
            alternatives = [
                r"[\W_]+".join(_idiom_word(w) for w in _WORD_OR_STAR.findall(alt))
                for alt in group.split("|")
            ]
            piece = "(?:" + "|".join(a for a in alternatives if a) + ")"
        if not piece or piece == "(?:)":
            raise ValueError(f"empty word in idiom {idiom!r}")
        if not parts:
            if optional:
                raise ValueError(f"an idiom cannot start with an optional group: {idiom!r}")
            parts.append(piece)
        elif optional:
            parts.append(rf"(?:[\W_]+{piece})?")
        else:
            parts.append(rf"[\W_]+{piece}")
    if not parts:
        raise ValueError(f"empty idiom {idiom!r}")
    body = "".join(parts)
    if _ANYWHERE_SCRIPT.search(folded):
        return body
    return rf"(?<!\w){body}(?!\w)"


_WORD_START = r"(?<!\w)"


def _alternation(regexes: list[str]) -> str:
    """``regexes`` as one alternation, each run of whole-word idioms behind one word-start test.

    The same matches as ``"|".join(regexes)`` (the alternatives keep their order, and the test
    is the one each of them starts with), but a position inside a word fails once instead of
    once per idiom: the sub over a 4 KB text costs a fraction of the CPU.
    """
    parts: list[str] = []
    run: list[str] = []
    for regex in [*regexes, ""]:
        if regex.startswith(_WORD_START):
            run.append(regex.removeprefix(_WORD_START))
            continue
        if run:
            parts.append(_WORD_START + "(?:" + "|".join(run) + ")")
            run = []
        if regex:
            parts.append(regex)
    return "|".join(parts)


class SafetyNet:
    """Finds safety-net vocabulary in a text."""

    def __init__(
        self,
        terms: Iterable[str],
        tags: Iterable[int] | None = None,
        idioms: Iterable[str] = (),
    ) -> None:
        """``terms`` as the file writes them; ``tags`` (one per term) name their groups for
        :meth:`tags_in`, all 0 when not given; ``idioms`` cover words read as everyday speech."""
        idioms = list(idioms)
        regexes = [idiom_regex(idiom) for idiom in idioms]
        self._idioms = re.compile(_alternation(regexes)) if regexes else None
        # Whole-word idioms blank whole words only; an idiom of a script written without spaces
        # may blank part of a word, in ASCII text too when it has an ASCII alternative.
        part_words = [
            regex
            for idiom, regex in zip(idioms, regexes, strict=True)
            if not regex.startswith(_WORD_START) and _ASCII_WORD.search(fold(idiom))
        ]
        self._part_words = re.compile("|".join(part_words)) if part_words else None
        self._exact: dict[str, list[_Term]] = {}
        self._prefixed: dict[str, list[_Term]] = {}
        anywhere_tags: dict[str, set[int]] = {}  # terms of scripts written without spaces
        self._prefix_tags: dict[str, set[int]] = {}
        tag_list = list(tags) if tags is not None else None
        for index, raw in enumerate(terms):
            tag = tag_list[index] if tag_list is not None else 0
            term = fold(raw.strip())
            prefix = term.endswith("*")
            term = term.rstrip("*").strip()
            if not term:
                continue
            if _ANYWHERE_SCRIPT.search(term):
                anywhere_tags.setdefault(term, set()).add(tag)
                continue
            words = tuple(_WORD.findall(term))
            if not words:
                continue
            entry = _Term(words, prefix, tag)
            if prefix and len(words) == 1:
                self._prefixed.setdefault(words[0], []).append(entry)
                self._prefix_tags.setdefault(words[0], set()).add(tag)
            else:
                self._exact.setdefault(words[0], []).append(entry)
        # The anywhere-terms by their first character: a term occurs in a text only if that
        # character does, and a text holds few of them.
        by_first: dict[str, list[tuple[str, frozenset[int]]]] = {}
        for term, term_tags in anywhere_tags.items():
            by_first.setdefault(term[0], []).append((term, frozenset(term_tags)))
        self._anywhere_by_first = {char: tuple(terms) for char, terms in by_first.items()}
        self._anywhere_firsts = frozenset(by_first)
        self._lengths = sorted({len(key) for key in self._prefixed})
        # A set, not the dict: ``set.intersection`` walks a dict's every key (hundreds of terms)
        # but only the smaller of two sets (the message's few words).
        self._first_words = frozenset(self._exact)
        self._single_tags, self._multi_first_words, self._by_two = _index_by_two_words(self._exact)
        self._single_words = frozenset(self._single_tags)
        self._word_prefix_tags: dict[str, frozenset[int]] = {}  # word -> tags of its prefix terms
        # Every anywhere-term in one alternation, longest first: one scan of the text in C.
        ordered = sorted(anywhere_tags, key=lambda term: (-len(term), term))
        self._anywhere_regex = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def load(cls, path: Path = SAFETY_NET_FILE) -> SafetyNet:
        """The vocabulary of ``path`` (every language together)."""
        try:
            data = load_yaml_file(path)
        except OSError as error:
            raise ModelError(f"{path}: cannot read the safety-net vocabulary: {error}") from error
        except YamlProblem as error:
            message = f"cannot read the safety-net vocabulary: {error}"
            raise ModelError(f"{error.where(path)}: {message}") from error
        languages = data.get("languages", data) if isinstance(data, dict) else None
        if not isinstance(languages, dict):
            raise ModelError(f"{path}:1:1: the safety net maps 'languages' to lists of terms")
        idioms = cls._idioms_of(path, data.get("idioms", {}) if isinstance(data, dict) else {})
        if languages is data:
            languages = {key: value for key, value in data.items() if key != "idioms"}
        terms: list[str] = []
        for language, listed in languages.items():
            entries = listed
            if isinstance(listed, dict):
                entries = [t for group in listed.values() if isinstance(group, list) for t in group]
            if not isinstance(entries, list) or not all(isinstance(t, str) for t in entries):
                loc = ("languages", language) if languages is not data else (language,)
                place = place_in_file(path, loc)
                raise ModelError(f"{place}: languages.{language} must be a list of quoted terms")
            terms.extend(entries)
        return cls(terms, idioms=idioms)

    @staticmethod
    def _idioms_of(path: Path, listed: object) -> list[str]:
        """Every language's idioms of the file, each checked to compile."""
        if not isinstance(listed, dict):
            raise ModelError(f"{place_in_file(path, ('idioms',))}: idioms maps languages to lists")
        idioms: list[str] = []
        for language, entries in listed.items():
            if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                # The place is looked up only for an error: it parses the file again.
                place = place_in_file(path, ("idioms", language))
                raise ModelError(f"{place}: idioms.{language} must be a list of quoted idioms")
            for index, entry in enumerate(entries):
                try:
                    idiom_regex(entry)
                except (ValueError, re.error) as error:
                    where = place_in_file(path, ("idioms", language, index))
                    raise ModelError(
                        f"{where}: idiom {entry!r} does not compile: {error}"
                    ) from error
            idioms.extend(entries)
        return idioms

    def hits(self, text: str) -> bool:
        """Whether ``text`` carries any of the vocabulary, idioms included (the semantic
        detector's thresholds are chosen on this reading)."""
        return self.hits_in(self.views(text))

    def asks(self, text: str) -> bool:
        """Whether ``text`` carries any of the vocabulary outside its idioms: the words that ask
        a check-in when the meaning is not confidently benign."""
        return self.asks_in(self.views(text))

    @staticmethod
    def views(text: str) -> list[str]:
        """The folded views of ``text`` that :meth:`hits_in` and :meth:`asks_in` read: fold a
        text once when it is asked both."""
        return _variants(text)

    def hits_in(self, views: list[str]) -> bool:
        """:meth:`hits` on the views :meth:`views` gave."""
        return any(self._hits_folded(folded) for folded in views)

    def asks_in(self, views: list[str]) -> bool:
        """:meth:`asks` on the views :meth:`views` gave.

        Blanking the idioms of a 4 KB view costs a millisecond or more (several, for letters
        spaced over the whole message: every letter starts a word), so a view is blanked only
        when it could still ask afterwards: blanking whole words only removes words, so a term
        found afterwards has every word of it in the view already.
        """
        idioms = self._idioms
        if idioms is None:
            return any(self._hits_folded(folded) for folded in views)
        return any(
            self._hits_folded(idioms.sub(" ", folded))
            for folded in views
            if not self._whole_words_blanked(folded) or self._may_hit(folded)
        )

    def _whole_words_blanked(self, folded: str) -> bool:
        """Whether blanking the idioms of ``folded`` can only remove whole words: an ASCII text
        that no idiom of a script written without spaces matches."""
        return folded.isascii() and (
            self._part_words is None or not self._part_words.search(folded)
        )

    def _may_hit(self, folded: str) -> bool:
        """Whether every word of some term occurs in ``folded`` (a prefix term's last word
        taken as present): without that, no term can match it, however words are removed."""
        present = set(_WORD.findall(folded))
        for word in present:
            for term in self._exact.get(word, ()):
                needed = term.words[1:-1] if term.prefix else term.words[1:]
                if all(other in present for other in needed):
                    return True
            if self._starts_a_prefix_term(word):
                return True
        return False

    def _starts_a_prefix_term(self, word: str) -> bool:
        """Whether ``word`` begins with a one-word prefix term ("suicid*")."""
        return bool(self._prefix_tags_of(word))

    def _prefix_tags_of(self, word: str) -> frozenset[int]:
        """The tags of every one-word prefix term ``word`` begins with, remembered per word (a
        long message repeats its words, and messages share most of theirs)."""
        tags = self._word_prefix_tags.get(word)
        if tags is None:
            found: set[int] = set()
            for length in self._lengths:
                if length > len(word):
                    break
                starting = self._prefix_tags.get(word[:length])
                if starting:
                    found |= starting
            tags = frozenset(found)
            if len(self._word_prefix_tags) >= _WORD_CACHE_LIMIT:
                self._word_prefix_tags.clear()
            self._word_prefix_tags[word] = tags
        return tags

    def _prefix_tags_found(self, distinct: Iterable[str]) -> Iterator[frozenset[int]]:
        """The tags of the prefix terms each of the ``distinct`` words starts, for each word that
        starts one (in their order)."""
        known = self._word_prefix_tags  # read here first: a method call per word costs more
        for word in distinct:
            tags = known.get(word)
            if tags is None:
                tags = self._prefix_tags_of(word)
            if tags:
                yield tags

    def _hits_folded(self, folded: str) -> bool:
        # Anywhere-terms are written in non-Latin scripts: an ASCII text cannot hold one.
        if (
            self._anywhere_regex is not None
            and not folded.isascii()
            and self._anywhere_regex.search(folded)
        ):
            return True
        # Each distinct word once: whether it starts a prefix term, and whether it is the first
        # word of some term; only those are then followed where they stand.
        words, distinct = _words_of(folded)
        if next(self._prefix_tags_found(distinct), None) is not None:
            return True
        first_words = distinct.intersection(self._first_words)
        if not first_words:
            return False
        exact = self._exact
        for index, word in enumerate(words):
            if word in first_words and self._follows(exact[word], words, index):
                return True
        return False

    def tags_in(self, text: str) -> set[int]:
        """The tags of every term found in ``text`` (one pass, however many groups)."""
        found: set[int] = set()
        for folded in _variants(text):
            found |= self._tags_folded(folded)
        return found

    def _tags_folded(self, folded: str) -> set[int]:
        found: set[int] = set()
        if self._anywhere_firsts and not folded.isascii():
            # every anywhere-term inside the text, shorter ones inside longer ones too
            by_first = self._anywhere_by_first
            for char in self._anywhere_firsts.intersection(folded):
                for written, term_tags in by_first[char]:
                    if not term_tags <= found and written in folded:
                        found |= term_tags
        words, distinct = _words_of(folded)
        for tags in self._prefix_tags_found(distinct):
            found |= tags
        single_tags = self._single_tags
        for word in distinct.intersection(self._single_words):
            found |= single_tags[word]
        first_words = distinct.intersection(self._multi_first_words)
        if first_words:
            # Only the terms whose second word follows are read on (and those whose second word
            # is a prefix): a common first word ("me", "nie") starts dozens of terms.
            by_two = self._by_two
            last = len(words) - 1
            for index, word in enumerate(words):
                if index < last and word in first_words:
                    by_second, loose = by_two[word]
                    for term in (*by_second.get(words[index + 1], ()), *loose):
                        if term.tag not in found and _continues(term, words, index):
                            found.add(term.tag)
        return found

    @staticmethod
    def _follows(terms: list[_Term], words: tuple[str, ...], index: int) -> bool:
        """Whether one of ``terms`` (each starting with ``words[index]``) continues there."""
        return any(_continues(term, words, index) for term in terms)


def _index_by_two_words(
    exact: dict[str, list[_Term]],
) -> tuple[
    dict[str, frozenset[int]],
    frozenset[str],
    dict[str, tuple[dict[str, tuple[_Term, ...]], tuple[_Term, ...]]],
]:
    """The terms of ``exact`` (by first word) for :meth:`SafetyNet.tags_in`.

    One-word terms as the tags of each word. Terms of two words or more by their first word,
    then by their second: every such term compares its second word whole, but a two-word prefix
    term ("kill myse*"), which is kept apart ("loose") with the first word.
    """
    singles: dict[str, set[int]] = {}
    by_two: dict[str, tuple[dict[str, list[_Term]], list[_Term]]] = {}
    for first, terms in exact.items():
        for term in terms:
            if len(term.words) == 1:
                singles.setdefault(first, set()).add(term.tag)
                continue
            by_second, loose = by_two.setdefault(first, ({}, []))
            if len(term.words) == 2 and term.prefix:  # its second word is a prefix
                loose.append(term)
            else:
                by_second.setdefault(term.words[1], []).append(term)
    return (
        {word: frozenset(tags) for word, tags in singles.items()},
        frozenset(by_two),
        {
            first: ({second: tuple(terms) for second, terms in by_second.items()}, tuple(loose))
            for first, (by_second, loose) in by_two.items()
        },
    )


def _continues(term: _Term, words: tuple[str, ...], index: int) -> bool:
    """Whether ``term``, whose first word is ``words[index]``, continues there: its other words
    follow in a row, the last one as a prefix if the term is one. The second word is compared
    first, on its own, since it rules out almost every term."""
    term_words = term.words
    size = len(term_words)
    if size == 1:
        return True
    end = index + size
    if end > len(words):
        return False
    last = words[end - 1]
    if size == 2:
        return last == term_words[1] or (term.prefix and last.startswith(term_words[1]))
    if words[index + 1] != term_words[1]:
        return False
    return all(words[index + k] == term_words[k] for k in range(2, size - 1)) and (
        last == term_words[-1] or (term.prefix and last.startswith(term_words[-1]))
    )


__all__ = ["SAFETY_NET_FILE", "SafetyNet", "fold", "folded_text", "folded_words"]
