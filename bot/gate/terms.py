"""Crisis terms for the scripts and word forms the lexicon's phrase views do not read.

The lexicon matches plain-Latin views of a message (:mod:`bot.gate.views`), which cannot hold
Cyrillic, Arabic, Devanagari or Chinese words, nor Polish and Turkish letters that have no Latin
decomposition. ``bot/gate/terms.yaml`` lists, per category and language, statements that are
crisis in any context ("хочу умереть", "आत्महत्या", "kendimi öldüreceğim"); a match routes to
crisis like a lexicon rule. They are matched as the safety net matches its vocabulary
(:class:`bot.gate.semantic.safety_net.SafetyNet`: folded, whole words or stems, anywhere in the
scripts written without spaces), every rule's terms in one pass over the words of the message.

Hurried spelling is repaired towards the terms' own words (:class:`bot.gate.fuzzy.TokenCorrector`):
every word of five letters or more of a term written in Latin or Cyrillic letters is a key, so
"убитъ себя", "intihr etmek" or "khudkhushi" read as the terms they miss by a letter; real words
near a key ("тебя" is not "себя") are listed in ``bot/gate/spelling.yaml`` and stay as written.
The repaired words are searched only when the message as written matched nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.errors import ModelError
from bot.gate.fuzzy import TokenCorrector, real_words
from bot.gate.semantic.safety_net import SafetyNet, fold, folded_text, folded_words
from bot.model import Risk
from bot.safe_yaml import YamlProblem, load_yaml_file, place_in_file

TERMS_FILE = Path(__file__).with_name("terms.yaml")
MIN_KEY_LETTERS = 5
"""A term's word becomes a spelling key, and a word of a message is repaired, from this many
letters (shorter words are too near other real words: "себя" and "тебя", "żyć" and "być")."""

SPELLING_LANGUAGES = frozenset({"ru", "uk", "pl", "tr"})
"""Languages whose term words are all spelling keys: word-frequency lists give their real words
near a key (``bot/gate/spelling.yaml``)."""
LONG_KEY_LANGUAGES = frozenset({"ar-Latn", "hi-Latn"})
LONG_KEY_LETTERS = 8
"""Romanised Arabic and Hindi have no word list: only their long words are keys ("khudkushi");
their everyday words ("raha", "rakhna", "mout") stay as written."""

_WORD = re.compile(r"\w+")
_ANYWHERE = re.compile(r"[\u0600-\u06ff\u0900-\u097f\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff]")
"""Scripts whose terms and contexts match anywhere in the text, not as whole words."""
_KEY = re.compile(r"[a-z\u0400-\u04ff\u0131\u0142]+")
"""Latin (with Turkish dotless i and Polish ł, which folding keeps) or Cyrillic letters only."""


@dataclass(frozen=True, slots=True)
class TermExemption:
    """Context in which one term of one rule is not a crisis statement ("自杀率", a suicide rate).

    Where one of ``contexts`` occurs, the ``term`` inside it no longer counts for ``rule``; the
    rule's terms elsewhere in the message, and every other rule, are read as before.
    """

    id: str
    rule: str
    term: str
    contexts: tuple[re.Pattern[str], ...]


_RULE_KEYS = ("id", "category", "risk", "comment", "languages")
_KEYS_TEXT = "id, category, risk, languages and an optional comment"


@dataclass(frozen=True, slots=True)
class TermRule:
    """One category's crisis terms, every language together."""

    id: str
    category: str
    risk: Risk


class CrisisTerms:
    """The crisis terms of every rule; :meth:`find` names the riskiest rule that matches.

    All rules' terms sit in one matcher, tagged with their rule, so a message is folded and
    scanned once whatever the number of rules.
    """

    def __init__(
        self,
        rules: list[TermRule],
        terms: list[tuple[str, int]] | None = None,
        keyed: list[str] | None = None,
        exemptions: list[TermExemption] | None = None,
    ) -> None:
        """``terms`` tagged with the index of their rule; the words of the ``keyed`` terms are
        the spelling keys; ``exemptions`` lift one term of one rule in a context."""
        self.rules = rules
        self.exemptions = exemptions or []
        self._rule_index = {rule.id: index for index, rule in enumerate(rules)}
        listed = terms or []
        self._matcher = SafetyNet([term for term, _ in listed], [tag for _, tag in listed])
        keys = {
            word
            for term in keyed or []
            # the last word of a stem ("samobójcz*") is no key: "samobója" (an own goal) is near
            for word in _WORD.findall(fold(term))[: -1 if term.endswith("*") else None]
            if len(word) >= MIN_KEY_LETTERS and _KEY.fullmatch(word)
        }
        self.spelling_keys = tuple(sorted(keys))
        self._corrector = TokenCorrector(
            self.spelling_keys, exclude=real_words(), min_length=MIN_KEY_LETTERS
        )

    @classmethod
    def load(cls, path: Path = TERMS_FILE) -> CrisisTerms:
        """The rules of ``path``; ModelError naming the file when it is malformed."""
        try:
            data = load_yaml_file(path)
        except (OSError, YamlProblem) as error:
            raise ModelError(f"{path}: cannot read the crisis terms: {error}") from error
        entries = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise ModelError(f"{path}:1:1: the crisis terms file maps 'rules' to a list")
        rules: list[TermRule] = []
        tagged: list[tuple[str, int]] = []
        keyed: list[str] = []
        for index, entry in enumerate(entries):
            rule = _rule(path, index, entry)
            terms: list[str] = []
            for language, listed in entry["languages"].items():
                terms.extend(listed)
                if language in SPELLING_LANGUAGES:
                    keyed.extend(listed)
                elif language in LONG_KEY_LANGUAGES:
                    keyed.extend(
                        word
                        for term in listed
                        for word in _WORD.findall(term)
                        if len(word) >= LONG_KEY_LETTERS
                    )
            tagged.extend((term, len(rules)) for term in terms)
            rules.append(rule)
        exemptions = [
            _exemption(path, index, entry, {rule.id for rule in rules})
            for index, entry in enumerate(data.get("exemptions") or [])
        ]
        return cls(rules, tagged, keyed, exemptions)

    def find(self, text: str) -> TermRule | None:
        """The riskiest rule with a term in ``text`` (the first listed on a tie), or None."""
        found = self._matcher.tags_in(text)
        if not found:
            repaired = self._repaired(text)
            if repaired is not None:
                found = self._matcher.tags_in(repaired)
        if found and self.exemptions:
            found = self._lift(text, found)
        if not found:
            return None
        # max keeps the first of equal risk: sorted tags are file order
        return max((self.rules[tag] for tag in sorted(found)), key=lambda rule: rule.risk.rank)

    def _lift(self, text: str, found: set[int]) -> set[int]:
        """``found`` without the rules whose every match was a term inside an exempt context."""
        read = folded_text(text)
        for exemption in self.exemptions:
            tag = self._rule_index[exemption.rule]
            if tag not in found:
                continue
            term = exemption.term

            def blank(match: re.Match[str], term: str = term) -> str:
                return match.group().replace(term, " ")

            blanked = read
            for context in exemption.contexts:
                blanked = context.sub(blank, blanked)
            if blanked != read and tag not in self._matcher.tags_in(blanked):
                found = found - {tag}
        return found

    def _repaired(self, text: str) -> str | None:
        """The folded words of ``text`` with hurried spellings repaired, or None if none was."""
        words = folded_words(text)
        repaired = self._corrector.repair(words)
        return " ".join(repaired) if tuple(repaired) != words else None


def _rule(path: Path, index: int, entry: object) -> TermRule:
    """One entry of ``rules``, checked key by key; errors name ``file:line:col`` and the rule.

    The place is found only for an error: finding it parses the whole file again.
    """
    label = f"rules[{index}]"

    def place() -> str:
        return place_in_file(path, ["rules", index])

    if not isinstance(entry, dict):
        raise ModelError(f"{place()}: {label}: each rule is a mapping with {_KEYS_TEXT}")
    if isinstance(entry.get("id"), str):
        label += f" (id {entry['id']!r})"
    unknown = sorted(str(key) for key in entry if key not in _RULE_KEYS)
    if unknown:
        here = place_in_file(path, ["rules", index, unknown[0]])
        raise ModelError(f"{here}: {label}: unknown key {unknown[0]!r}; a rule has {_KEYS_TEXT}")
    for key in ("id", "category", "risk"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ModelError(
                f"{place()}: {label}: {key} is missing or empty; a rule has {_KEYS_TEXT}"
            )
    languages = entry.get("languages")
    if not isinstance(languages, dict) or not languages:
        raise ModelError(
            f"{place()}: {label}: languages maps language codes to lists of quoted terms"
        )
    for language, listed in languages.items():
        if not isinstance(listed, list) or not all(isinstance(t, str) and t for t in listed):
            here = place_in_file(path, ["rules", index, "languages", language])
            raise ModelError(f"{here}: {label}: {language} must be a list of quoted terms")
    try:
        risk = Risk(entry["risk"])
    except ValueError:
        here = place_in_file(path, ["rules", index, "risk"])
        known = ", ".join(r.value for r in Risk)
        raise ModelError(f"{here}: {label}: risk {entry['risk']!r} is not one of {known}") from None
    return TermRule(entry["id"], entry["category"], risk)


def _exemption(path: Path, index: int, entry: object, rules: set[str]) -> TermExemption:
    """One entry of ``exemptions``: id, the rule and term it lifts, contexts per language."""

    def where() -> str:  # found only for an error: it parses the whole file again
        return f"{place_in_file(path, ['exemptions', index])}: exemptions[{index}]"

    if not isinstance(entry, dict) or not isinstance(entry.get("contexts"), dict):
        raise ModelError(f"{where()}: each exemption has an id, lifts, term and contexts")
    rule, term = str(entry.get("lifts")), fold(str(entry.get("term", ""))).strip()
    if rule not in rules:
        raise ModelError(f"{where()}: lifts {rule!r}, which is no rule of the crisis terms")
    contexts: list[re.Pattern[str]] = []
    for language, listed in entry["contexts"].items():
        if not isinstance(listed, list) or not all(isinstance(c, str) for c in listed):
            raise ModelError(f"{where()}.contexts.{language} must be a list of quoted phrases")
        for context in listed:
            folded = fold(context).strip()
            if not term or term not in folded:
                raise ModelError(f"{where()}: context {context!r} does not hold the term {term!r}")
            body = r"\s+".join(re.escape(word) for word in folded.split())
            if not _ANYWHERE.search(folded):
                body = rf"(?<!\w){body}(?!\w)"
            contexts.append(re.compile(body))
    return TermExemption(str(entry.get("id")), rule, term, tuple(contexts))


@cache
def shipped_terms() -> CrisisTerms:
    """The built-in crisis terms, read once per process."""
    return CrisisTerms.load()


__all__ = ["TERMS_FILE", "CrisisTerms", "TermExemption", "TermRule", "shipped_terms"]
