"""The crisis lexicon as plain, immutable data: rules, weak signals, figurative exemptions.

``bot/gate/lexicon.yaml`` is the built-in lexicon; :func:`bot.gate.lexicon_load.load_lexicon`
reads it (plus an operator's extension) into a :class:`Lexicon`, and :class:`bot.gate.CrisisGate`
compiles it once. The YAML shape, key by key:

``rules``
    Crisis rules. Each has ``id`` (``category.name``), ``category`` (one of :data:`CATEGORIES`),
    ``risk`` (``concern``/``high``/``imminent``), ``phrases`` (see :mod:`bot.gate.phrases`) and/or
    ``patterns`` (raw regular expressions over the same text views), and optionally
    ``negatable`` (a negation just before the match lowers it to a ``mention`` of risk concern),
    ``requires`` (categories another match in the same text must have for this rule to count,
    used for upgrades such as intent plus a time), ``requires_inside`` (the required match may
    contain this one: the time in "ending it tonight" upgrades it) and ``comment``.
``signals``
    Weak signals that are not crisis on their own (a loss, hopelessness, a vague means question):
    ``id``, ``kind``, ``weight``, ``phrases``/``patterns``. They add up across turns and decay.
``exemptions``
    Figurative idioms (``suicide squad``, ``100 kms``): ``id``, ``suppresses`` (rule ids, or
    ``category.*``), ``phrases``/``patterns``. A rule match is dropped only when an exemption's
    match overlaps it and the exemption names the rule; other matches in the text are untouched.
``fuzzy``
    ``keys`` repaired from near-miss typos, ``masked_keys`` resolved from ``k*ll`` masking,
    ``exclude`` real words never repaired, ``words`` that may be run together with a key
    ("wannadie" reads "wanna die"). ``bot/gate/spelling.yaml`` adds the real words of every
    language that lie within reach of a key (built from word-frequency lists).
``accumulation``
    ``half_life_hours`` and ``threshold`` for signals across turns.
``negation``
    ``cues``: phrases that, ending within a few words before a ``negatable`` match, mark it negated.
``macros``
    Built-in shorthands: ``name: "(phrase|fragment)"``, used in phrases as ``@name``. Extensions
    may use them but not define or change them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.model import Risk

CATEGORIES: tuple[str, ...] = (
    "explicit",
    "passive",
    "coded",
    "self_harm",
    "means",
    "planning",
    "third_party",
    "mention",
)
"""Categories a lexicon rule may have. ``accumulated`` is only ever computed, never declared."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One crisis rule: any of its phrases or patterns matching routes to crisis."""

    id: str
    category: str
    risk: Risk
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    negatable: bool = False
    requires: tuple[str, ...] = ()
    requires_inside: bool = False  # a required match may overlap this one (a time inside it)
    builtin: bool = True
    comment: str = ""


@dataclass(frozen=True, slots=True)
class SignalRule:
    """A weak signal: remembered across turns, crisis only when signals accumulate."""

    id: str
    kind: str
    weight: float
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    builtin: bool = True
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Exemption:
    """A figurative idiom that cancels the named rules' matches inside its own span only."""

    id: str
    suppresses: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    builtin: bool = True
    comment: str = ""

    def covers(self, rule_id: str) -> bool:
        """Whether this exemption may suppress the rule ``rule_id``."""
        for target in self.suppresses:
            if target == rule_id:
                return True
            if target.endswith(".*") and rule_id.startswith(target[:-1]):
                return True
        return False


def exemptions_by_rule(
    rule_ids: Iterable[str], exemptions: Iterable[Exemption]
) -> dict[str, frozenset[str]]:
    """Per rule id, the ids of the exemptions that may suppress its hits (worked out once)."""
    listed = tuple(exemptions)
    return {rule_id: frozenset(e.id for e in listed if e.covers(rule_id)) for rule_id in rule_ids}


@dataclass(frozen=True, slots=True)
class FuzzySettings:
    """Which key words the token corrector repairs, and which real words it must leave alone."""

    keys: tuple[str, ...] = ()
    masked_keys: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Accumulation:
    """How weak signals add up: each halves in weight every ``half_life_hours``."""

    half_life_hours: float = 6.0
    threshold: float = 0.85


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything the crisis gate knows, built-in and extension together."""

    rules: tuple[Rule, ...]
    signals: tuple[SignalRule, ...] = ()
    exemptions: tuple[Exemption, ...] = ()
    fuzzy: FuzzySettings = field(default_factory=FuzzySettings)
    accumulation: Accumulation = field(default_factory=Accumulation)
    negation_cues: tuple[str, ...] = ()
    macros: tuple[tuple[str, str], ...] = ()
    sources: tuple[str, ...] = ()

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, or ``None``."""
        return next((rule for rule in self.rules if rule.id == rule_id), None)


__all__ = [
    "CATEGORIES",
    "Accumulation",
    "Exemption",
    "FuzzySettings",
    "Lexicon",
    "Rule",
    "SignalRule",
    "exemptions_by_rule",
]
