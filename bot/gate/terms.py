"""Crisis terms for the scripts and word forms the lexicon's phrase views do not read.

The lexicon matches plain-Latin views of a message (:mod:`bot.gate.views`), which cannot hold
Cyrillic, Arabic, Devanagari or Chinese words, nor Polish and Turkish letters that have no Latin
decomposition. ``bot/gate/terms.yaml`` lists, per category and language, statements that are
crisis in any context ("хочу умереть", "आत्महत्या", "kendimi öldüreceğim"); a match routes to
crisis like a lexicon rule. They are matched as the safety net matches its vocabulary
(:class:`bot.gate.semantic.safety_net.SafetyNet`: folded, whole words or stems, anywhere in the
scripts written without spaces), every rule's terms in one pass over the words of the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.errors import ModelError
from bot.gate.semantic.safety_net import SafetyNet
from bot.model import Risk
from bot.safe_yaml import YamlProblem, load_yaml_file

TERMS_FILE = Path(__file__).with_name("terms.yaml")


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

    def __init__(self, rules: list[TermRule], terms: list[tuple[str, int]] | None = None) -> None:
        self.rules = rules
        listed = terms or []
        self._matcher = SafetyNet([term for term, _ in listed], [tag for _, tag in listed])

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
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("languages"), dict):
                raise ModelError(f"{path}: each rule has an id, category, risk and languages")
            terms: list[str] = []
            for language, listed in entry["languages"].items():
                if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
                    raise ModelError(
                        f"{path}: rules.{entry.get('id')}.{language} must be a list of quoted terms"
                    )
                terms.extend(listed)
            try:
                risk = Risk(str(entry.get("risk")))
            except ValueError as error:
                raise ModelError(f"{path}: rules.{entry.get('id')}.risk: {error}") from error
            tagged.extend((term, len(rules)) for term in terms)
            rules.append(TermRule(str(entry["id"]), str(entry["category"]), risk))
        return cls(rules, tagged)

    def find(self, text: str) -> TermRule | None:
        """The riskiest rule with a term in ``text`` (the first listed on a tie), or None."""
        found = self._matcher.tags_in(text)
        if not found:
            return None
        # max keeps the first of equal risk: sorted tags are file order
        return max((self.rules[tag] for tag in sorted(found)), key=lambda rule: rule.risk.rank)


@cache
def shipped_terms() -> CrisisTerms:
    """The built-in crisis terms, read once per process."""
    return CrisisTerms.load()


__all__ = ["TERMS_FILE", "CrisisTerms", "TermRule", "shipped_terms"]
