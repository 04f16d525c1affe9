"""The medical-advice guard: does this message ask for personal medical advice?

Personal advice (a dose, how often, stopping or tapering, switching, mixing with alcohol or other
drugs, "is it safe for me", pregnancy, age, where to get ketamine) is never answered by the bot; the
caller replies with "talk to a licensed clinician", and why. General education ("what are the side
effects", "how much does Spravato cost", "is at-home ketamine safe") is not advice.

The rules are data in ``bot/gate/advice.yaml`` (the phrase grammar of the crisis lexicon): each
rule has ``id``, ``reason``, ``topic`` and ``phrases``/``patterns``; ``exemptions`` cancel named
rules where they overlap (``how much does it cost`` is cost, not dose). The first rule in file
order that matches wins. The guard only classifies; it runs after the crisis gate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.errors import LexiconError
from bot.gate.fuzzy import TokenCorrector
from bot.gate.gate import CrisisGate
from bot.gate.lexicon import Exemption, exemptions_by_rule
from bot.gate.lexicon_fields import Fields
from bot.gate.matcher import Hit, PhraseSet, share_anchors
from bot.gate.phrases import PhraseSyntaxError, compile_phrase
from bot.gate.views import build_gate_text
from bot.safe_yaml import YamlProblem, load_yaml_file

ADVICE_PATH = Path(__file__).with_name("advice.yaml")
TOPICS = ("side_effects", "at_home", "how_it_works", "spravato", "with_therapy", "cost")

_TOP_KEYS = frozenset({"version", "fuzzy", "rules", "exemptions"})
_RULE_KEYS = frozenset({"id", "reason", "topic", "phrases", "patterns", "comment"})
_EXEMPTION_KEYS = frozenset({"id", "suppresses", "phrases", "patterns", "comment"})


@dataclass(frozen=True, slots=True)
class AdviceMatch:
    """Why a message reads as a request for personal medical advice."""

    rule: str  # e.g. "advice.dose"
    topic: str | None  # related educational topic trigger, e.g. "side_effects"; None if none fits
    reason: str  # short plain reason category: "dose", "stopping", "mixing", "switching", ...


@dataclass(frozen=True, slots=True)
class AdviceRule:
    """One advice rule as loaded from ``advice.yaml``."""

    id: str
    reason: str
    topic: str | None
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()


class AdviceGuard:
    """Classifies text as a personal medical-advice request, or not."""

    def __init__(
        self,
        rules: tuple[AdviceRule, ...],
        exemptions: tuple[Exemption, ...] = (),
        fuzzy_keys: tuple[str, ...] = (),
    ) -> None:
        self._rules = {rule.id: rule for rule in rules}
        self._exemptions = {exemption.id: exemption for exemption in exemptions}
        self._covering = exemptions_by_rule((r.id for r in rules), exemptions)
        self._rule_set = PhraseSet((r.id, r.phrases, r.patterns) for r in rules)
        self._exemption_set = PhraseSet((e.id, e.phrases, e.patterns) for e in exemptions)
        share_anchors(self._rule_set, self._exemption_set)
        self._corrector = TokenCorrector(fuzzy_keys)
        self._kept: dict[str, AdviceMatch | None] = {}
        """The matches of the batch being checked (:meth:`keep_matches`)."""

    def read_after(self, gate: CrisisGate) -> None:
        """Find anchors with one vocabulary for the gate's phrases and the guard's.

        The guard reads each message right after the gate; when its typo repair gives the views
        the gate read (most messages), the anchors the gate's scan found serve the guard too,
        instead of a second scan. The matches are the same either way.
        """
        share_anchors(*gate.phrase_sets, self._rule_set, self._exemption_set)

    def compile_all(self, between: Callable[[], object] = lambda: None) -> int:
        """Compile every regular expression of the guard now rather than on first use."""
        return self._rule_set.compile_all(between) + self._exemption_set.compile_all(between)

    @classmethod
    def default(cls) -> AdviceGuard:
        """The guard over the built-in ``advice.yaml``."""
        return cls(*_load(ADVICE_PATH))

    def check(self, text: str) -> AdviceMatch | None:
        """The first advice rule ``text`` matches (outside exemptions), or ``None``."""
        if not text or text.isspace():
            return None
        kept = self._kept
        return kept[text] if text in kept else self.match(text)

    def keep_matches(self, matches: dict[str, AdviceMatch | None]) -> None:
        """Keep what :meth:`match` (of this guard) gave for the texts about to be checked, in
        place of the last batch's: :meth:`check` then answers from them, the same answers."""
        self._kept = matches

    def match(self, text: str) -> AdviceMatch | None:
        """:meth:`check` of a text that is not blank, worked out now."""
        # The gate read this text just before: its normalised tokens are reused (views.draft),
        # and only the typo repair with the guard's own key words is done again.
        gate_text = build_gate_text(text, self._corrector)
        # The first rule in file order with a hit outside its exemptions wins, so the rules are
        # searched in that order and the search stops there; exemptions only cancel rule hits,
        # so only those naming a rule that matched are searched.
        for rule_id, hits in self._rule_set.find_in_order(gate_text):
            if not hits:
                continue
            wanted = self._covering[rule_id]
            exempt = self._exemption_set.find(gate_text, entries=wanted) if wanted else []
            if any(not self._exempt(hit, exempt) for hit in hits):
                rule = self._rules[rule_id]
                return AdviceMatch(rule=rule.id, topic=rule.topic, reason=rule.reason)
        return None

    def _exempt(self, hit: Hit, exempt: list[Hit]) -> bool:
        return any(
            span.view == hit.view
            and span.start < hit.end
            and hit.start < span.end
            and self._exemptions[span.entry_id].covers(hit.entry_id)
            for span in exempt
        )


def _load(path: Path) -> tuple[tuple[AdviceRule, ...], tuple[Exemption, ...], tuple[str, ...]]:
    """Read and validate ``advice.yaml``; problems raise :class:`LexiconError`."""
    try:
        data = load_yaml_file(path)
    except OSError as exc:
        raise LexiconError(f"{path}: cannot load the advice rules: {exc}") from exc
    except YamlProblem as exc:
        raise LexiconError(f"{exc.where(path)}: cannot load the advice rules: {exc}") from exc
    top = Fields(path, "top level", data, _TOP_KEYS)
    rules = tuple(
        _rule(Fields(path, f"rules[{i}]", item, _RULE_KEYS))
        for i, item in enumerate(top.list_of("rules"))
    )
    exemptions = tuple(
        _exemption(Fields(path, f"exemptions[{i}]", item, _EXEMPTION_KEYS))
        for i, item in enumerate(top.list_of("exemptions"))
    )
    fuzzy = Fields(path, "fuzzy", top.mapping("fuzzy"), {"keys"})
    return rules, exemptions, fuzzy.words("keys")


def _phrases(fields: Fields) -> tuple[str, ...]:
    phrases = fields.words("phrases")
    for index, phrase in enumerate(phrases):
        try:
            compile_phrase(phrase)
        except PhraseSyntaxError as exc:
            raise fields.error(f"phrases[{index}]", str(exc)) from exc
    return phrases


def _rule(fields: Fields) -> AdviceRule:
    topic = fields.optional_text("topic") or None
    if topic is not None and topic not in TOPICS:
        raise fields.error("topic", f"{topic!r} is not a topic; use one of {', '.join(TOPICS)}")
    return AdviceRule(
        id=fields.text("id"),
        reason=fields.text("reason"),
        topic=topic,
        phrases=_phrases(fields),
        patterns=fields.words("patterns"),
    )


def _exemption(fields: Fields) -> Exemption:
    return Exemption(
        id=fields.text("id"),
        suppresses=fields.words("suppresses", required=True),
        phrases=_phrases(fields),
        patterns=fields.words("patterns"),
    )


__all__ = ["ADVICE_PATH", "TOPICS", "AdviceGuard", "AdviceMatch", "AdviceRule"]
