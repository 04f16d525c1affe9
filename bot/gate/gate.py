"""The crisis gate: does this message (with what came before) need the crisis route now?

Order of work for one message:

1. build the text views (:mod:`bot.gate.views`): Unicode folding, leetspeak, spaced letters,
   squeezed repeats, repaired typos;
2. find rule, weak-signal and exemption hits (anchor prefilter, then bounded regexes), and the
   crisis terms of the scripts those views cannot read (:mod:`bot.gate.terms`);
3. drop rule hits that an exemption naming that rule overlaps (figurative idioms), and only
   those: "my back is killing me and I want to kill myself" keeps its second hit;
4. lower ``negatable`` hits preceded by a negation to a ``mention`` of risk concern (still crisis);
5. keep ``requires`` hits (such as a time word) only beside a separate hit of a required category;
6. report the highest risk and its rule; otherwise add up weak signals across turns.

7. read the message by meaning (:mod:`bot.gate.semantic`): a crisis score from the semantic
   detector is crisis too (lexicon OR semantic: the lexicon keeps the last word for recall); a
   score in the uncertain band, weak signals below accumulation (but a loss alone in the message
   and the window), or safety-net vocabulary the detector is not confidently benign about make a
   check-in: ask the person directly. A message of more than ``DECIDED_UNREAD_CHARS`` whose route
   steps 2-6 decided is not read by meaning: the read could add only a score, not change the
   route, risk or category.

Steps 1-5 depend on the text alone (:meth:`CrisisGate.read`): the core reads a batch's texts so
ahead of deciding them (:meth:`CrisisGate.keep_readings`), and step 6 adds each one's history.

A figurative idiom, a ketamine FAQ or plain low mood matches nothing and is clear.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.gate.fuzzy import TokenCorrector, real_words
from bot.gate.lexicon import Lexicon, Rule, exemptions_by_rule
from bot.gate.matcher import Hit, PhraseSet, share_anchors
from bot.gate.phrases import compile_phrase
from bot.gate.semantic import SemanticDetector, SemanticVerdict, shared_detector
from bot.gate.signals import CRISIS_KIND_PREFIX, accumulate, lone_loss
from bot.gate.terms import CrisisTerms, TermRule, shipped_terms
from bot.gate.views import GateText, build_gate_text, main_spans
from bot.model import GateOutcome, Risk, Signal

NEGATION_WINDOW_WORDS = 3
"""A negation cue counts when it ends within this many words before a negatable match."""
MAX_SIGNALS_PER_RULE = 3
"""At most this many separate hits of one weak-signal rule count in a single message."""
DECIDED_UNREAD_CHARS = 1000
"""A message longer than this whose route the lexicon (or accumulation) has decided is not read
by the semantic detector: its verdict reports the lexicon alone, with no score."""
UNSURE_KIND = "unsure"
UNSURE_WEIGHT = 0.45
"""The weak signal a check-in asked on meaning or safety-net words alone leaves: two such
messages within about an hour (or one beside a weak signal of the lexicon, or after a "no" to a
check-in) reach the accumulation threshold, 0.85 built in."""
SEMANTIC_RISK = {
    "planning": Risk.IMMINENT,
    "farewell": Risk.IMMINENT,
    "explicit": Risk.HIGH,
    "coded": Risk.HIGH,
    "self_harm": Risk.HIGH,
}
"""Risk of a semantic-only crisis by the nearest exemplars' category; others are concern."""


@dataclass(frozen=True, slots=True)
class Assessment:
    """The gate's verdict on one message."""

    crisis: bool  # route to crisis now (this text alone or with accumulated signals)
    risk: Risk | None  # imminent / high / concern when crisis, else None
    category: str | None  # explicit, passive, coded, self_harm, means, planning, third_party,
    # mention or accumulated; a negated statement ("I'm not going to kill myself") keeps its
    # rule id but is reported as a "mention" of risk concern
    rule: str | None  # id of the rule that matched, e.g. "explicit.kill_self" (for moderators)
    signals: tuple[Signal, ...]  # weak signals found in THIS text, for the caller to remember
    check_in: bool = False  # not crisis, but unsure: ask the person directly (never when crisis)
    detectors: frozenset[str] = frozenset()  # which detectors spoke: lexicon, accumulated, ...
    language: str | None = None  # the language the gate read the text as, when it named one
    score: float | None = None  # the semantic detector's score, when it ran

    @property
    def meaning_only(self) -> bool:
        """A check-in on an uncertain semantic score alone: no weak signal of the lexicon, no
        safety-net word. A medical-advice question may get the clinician answer instead."""
        return self.check_in and not self.crisis and self.detectors == _MEANING_ONLY

    @property
    def outcome(self) -> GateOutcome:
        """Crisis, check-in or clear."""
        if self.crisis:
            return GateOutcome.CRISIS
        return GateOutcome.CHECK_IN if self.check_in else GateOutcome.CLEAR


_MEANING_ONLY = frozenset({"semantic"})
_CLEAR = Assessment(crisis=False, risk=None, category=None, rule=None, signals=())


@dataclass(frozen=True, slots=True)
class _Finding:
    rule: Rule
    category: str
    risk: Risk
    order: int
    hit: Hit

    def overlaps(self, other: _Finding) -> bool:
        """Whether both findings cover some of the same text of the same view."""
        return _overlap(self.hit, other.hit)


@dataclass(frozen=True, slots=True)
class LexiconReading:
    """What the lexicon finds in one text alone, before its history and its meaning are read
    (:meth:`CrisisGate.read`)."""

    findings: tuple[_Finding, ...]  # rule hits kept after exemptions, negation and requires
    signals: tuple[tuple[str, float], ...]  # the weak signals found: kind and weight each
    term: TermRule | None  # a crisis term of a script the views cannot read (without findings)

    @property
    def crisis(self) -> bool:
        """Whether this text alone is a crisis, whatever came before it and its meaning."""
        return bool(self.findings) or self.term is not None


def _overlap(first: Hit, second: Hit) -> bool:
    return first.view == second.view and first.start < second.end and second.start < first.end


class CrisisGate:
    """Routes a message to crisis, a check-in question, or clear: lexicon, signals and meaning.

    The semantic detector is part of the gate, not an option: without one given, the process's
    shared detector over the shipped vectors is used (loaded once per process).
    """

    def __init__(
        self,
        lexicon: Lexicon,
        semantic: SemanticDetector | None = None,
        terms: CrisisTerms | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.semantic = semantic if semantic is not None else shared_detector()
        self.terms = terms if terms is not None else shipped_terms()
        self._rules = {rule.id: rule for rule in lexicon.rules}
        self._order = {rule.id: index for index, rule in enumerate(lexicon.rules)}
        self._signals = {signal.id: signal for signal in lexicon.signals}
        self._exemptions = {exemption.id: exemption for exemption in lexicon.exemptions}
        self._covering = exemptions_by_rule((r.id for r in lexicon.rules), lexicon.exemptions)
        """Per rule, the exemptions that may suppress its hits."""
        self._rule_set = PhraseSet((r.id, r.phrases, r.patterns) for r in lexicon.rules)
        self._signal_set = PhraseSet((s.id, s.phrases, s.patterns) for s in lexicon.signals)
        self._exemption_set = PhraseSet((e.id, e.phrases, e.patterns) for e in lexicon.exemptions)
        share_anchors(self._rule_set, self._signal_set, self._exemption_set)
        self._readings: dict[str, LexiconReading] = {}
        """The lexicon's reading of each text of the last prepared batch."""
        self._corrector = TokenCorrector(
            lexicon.fuzzy.keys,
            lexicon.fuzzy.masked_keys,
            (*lexicon.fuzzy.exclude, *real_words()),
            lexicon.fuzzy.words,
        )
        cues = "|".join(compile_phrase(cue).regex for cue in lexicon.negation_cues)
        words = rf"(?: [a-z0-9]+){{0,{NEGATION_WINDOW_WORDS - 1}}} ?$"
        self._negation = re.compile(f"(?:{cues}){words}") if cues else None

    @property
    def phrase_sets(self) -> tuple[PhraseSet, ...]:
        """The compiled rules, weak signals and exemptions, for a reader sharing their scans."""
        return (self._rule_set, self._signal_set, self._exemption_set)

    def compile_all(self, between: Callable[[], object] = lambda: None) -> int:
        """Compile every regular expression of the lexicon now rather than on first use (see
        :meth:`PhraseSet.compile_all`); returns how many."""
        return sum(phrase_set.compile_all(between) for phrase_set in self.phrase_sets)

    def prepare(self, texts: Sequence[str]) -> None:
        """Do ahead, in one batch, the costly part of assessing each of ``texts`` (encoding).

        Only a cache is filled: :meth:`assess` gives the same verdicts with or without it.
        """
        self.semantic.prepare(texts)

    def read(self, text: str) -> LexiconReading:
        """The lexicon's reading of ``text`` alone: what :meth:`assess` starts from."""
        gate_text = build_gate_text(text, self._corrector)
        findings = self._findings(gate_text)
        signals = self._signals_of(gate_text, findings)
        return LexiconReading(tuple(findings), signals, None if findings else self.terms.find(text))

    def keep_readings(self, readings: dict[str, LexiconReading]) -> None:
        """Keep the readings (:meth:`read`, of this gate) of the texts about to be assessed, in
        place of the last batch's: :meth:`assess` then starts from them, with the same verdicts.

        Read back to back, a batch's texts find the lexicon's tables in the processor's caches;
        read one per update, each would find them pushed out by the rest of the update's work.
        """
        self._readings = readings

    def assess(
        self,
        text: str,
        history: Sequence[Signal] = (),
        now: float = 0.0,
        *,
        name_language: bool = True,
    ) -> Assessment:
        """Assess ``text``; ``history`` holds signals earlier turns returned, ``now`` is epoch s.

        ``name_language=False`` (the bot's own path, which does not read it) leaves the
        assessment's ``language`` None where no decision depended on it, saving its
        identification on most messages; every decision is the same either way.
        """
        if not text or text.isspace():
            return _CLEAR
        reading = self._readings.get(text) or self.read(text)
        findings = reading.findings
        signals = tuple(Signal(at=now, kind=kind, weight=w) for kind, w in reading.signals)
        term = reading.term
        verdict = (
            None if reading.crisis else accumulate(history, signals, now, self.lexicon.accumulation)
        )
        if verdict is not None or reading.crisis:
            # The route, risk and category are decided; reading by meaning only adds the score
            # and whether the detector spoke too. A long message skips that read (it costs as
            # much as the lexicon's); a short one reads only the whole message when the lexicon
            # matched, as its sentences cannot change the route.
            if len(text) > DECIDED_UNREAD_CHARS:
                meaning = self.semantic.unread(text, name_language=name_language)
            else:
                meaning = self.semantic.assess(
                    text, whole_only=verdict is None, name_language=name_language
                )
        else:
            meaning = self.semantic.assess(text, name_language=name_language)
        # Nearest to mentions (questions about suicide and treatment) with no word of death,
        # self-harm or farewell: a question to ask back (check-in), not a crisis by meaning alone.
        semantic_crisis = meaning.band == "crisis" and (
            meaning.category != "mention" or meaning.safety_net
        )
        if findings:
            best = max(findings, key=lambda f: (f.risk.rank, -f.order))
            spoke = {"lexicon", "semantic"} if semantic_crisis else {"lexicon"}
            return self._crisis(meaning, best.risk, best.category, best.rule.id, signals, spoke)
        if term is not None:
            found = Signal(at=now, kind=CRISIS_KIND_PREFIX + term.category, weight=1.0)
            signals = (*signals, found)
            spoke = {"lexicon", "semantic"} if semantic_crisis else {"lexicon"}
            return self._crisis(meaning, term.risk, term.category, term.id, signals, spoke)
        if verdict is not None:
            spoke = {"accumulated", "semantic"} if semantic_crisis else {"accumulated"}
            return self._crisis(
                meaning, verdict.risk, verdict.category, verdict.rule, signals, spoke
            )
        if semantic_crisis:
            category = meaning.category or "mention"
            signals = (*signals, Signal(at=now, kind=CRISIS_KIND_PREFIX + category, weight=1.0))
            risk = SEMANTIC_RISK.get(category, Risk.CONCERN)
            return self._crisis(
                meaning, risk, category, f"semantic.{category}", signals, {"semantic"}
            )
        spoke = set()
        if meaning.band != "clear":
            spoke.add("semantic")
        if signals:
            spoke.add("lexicon")  # weak signals below the accumulation threshold
        if meaning.net_asks and not meaning.confidently_benign:
            spoke.add("safety_net")
        # A loss alone ("my grandmother died last week at 91"), with nothing else in the message
        # or the window, is remembered for accumulation but asks nothing.
        asks = bool(spoke) and not (
            spoke == {"lexicon"} and lone_loss(history, signals, now, self.lexicon.accumulation)
        )
        if asks and not signals:
            # A check-in on meaning or safety-net words alone leaves an unsure signal, so that a
            # second such message soon after (or one after a weak signal) adds up to a crisis.
            signals = (Signal(at=now, kind=UNSURE_KIND, weight=UNSURE_WEIGHT),)
            verdict = accumulate(history, signals, now, self.lexicon.accumulation)
            if verdict is not None:
                return self._crisis(
                    meaning,
                    verdict.risk,
                    verdict.category,
                    verdict.rule,
                    signals,
                    {"accumulated", *spoke},
                )
        return Assessment(
            False,
            None,
            None,
            None,
            signals,
            check_in=asks,
            detectors=frozenset(spoke) if asks else frozenset(),
            language=meaning.language,
            score=meaning.score,
        )

    @staticmethod
    def _crisis(  # noqa: PLR0917 - one private constructor of crisis verdicts
        meaning: SemanticVerdict,
        risk: Risk,
        category: str,
        rule: str,
        signals: tuple[Signal, ...],
        detectors: set[str],
    ) -> Assessment:
        return Assessment(
            True,
            risk,
            category,
            rule,
            signals,
            detectors=frozenset(detectors),
            language=meaning.language,
            score=meaning.score,
        )

    def _findings(self, gate_text: GateText) -> list[_Finding]:
        views = (*gate_text.views, gate_text.glued)
        hits = self._rule_set.find(gate_text)
        if not hits:
            return []
        # Exemptions only cancel rule hits: only those naming a rule that matched are searched.
        hit_rules = {hit.entry_id for hit in hits}
        wanted = frozenset().union(*(self._covering[rule_id] for rule_id in hit_rules))
        exempt = self._exemption_set.find(gate_text, entries=wanted) if wanted else []
        findings: list[_Finding] = []
        for hit in hits:
            if self._suppressed(hit, exempt, gate_text):
                continue
            rule = self._rules[hit.entry_id]
            order = self._order[rule.id]
            if rule.negatable and self._negated(views[hit.view], hit.start):
                findings.append(_Finding(rule, "mention", Risk.CONCERN, order, hit))
            else:
                findings.append(_Finding(rule, rule.category, rule.risk, order, hit))
        plain = [f for f in findings if not f.rule.requires]
        return plain + [f for f in findings if f.rule.requires and self._supported(f, plain)]

    @staticmethod
    def _supported(finding: _Finding, plain: list[_Finding]) -> bool:
        """A ``requires`` rule counts beside a separate match of a required category.

        With ``requires_inside`` the required match may also overlap it: "ending it tonight" is
        one statement with its own time. Plan words keep needing a separate statement, so that
        "I'm ready to die" is not also read as "I'm ready" plus a crisis statement.
        """
        return any(
            other.category in finding.rule.requires
            and (finding.rule.requires_inside or not other.overlaps(finding))
            for other in plain
        )

    def _suppressed(self, hit: Hit, exempt: list[Hit], gate_text: GateText) -> bool:
        """Whether an exemption naming this rule covers some of the hit's text.

        A hit in another view (letters joined, punctuation unread, the long words) is also
        covered when every token it touches is a main-view token that such an exemption covers
        there: "overdosed" read alone among the long words of "overdosed on netflix". Only that
        token's match: another "overdosed" in the message is a token of its own.
        """
        covers = self._covering[hit.entry_id]
        covering = [s for s in exempt if s.entry_id in covers]
        if any(_overlap(span, hit) for span in covering):
            return True
        in_main = [span for span in covering if span.view == 0]
        if hit.view == 0 or not in_main:
            return False
        tokens = main_spans(gate_text, hit.view, hit.start, hit.end)
        return tokens is not None and all(
            any(span.start < last and first < span.end for span in in_main)
            for first, last in tokens
        )

    def _negated(self, view: str, start: int) -> bool:
        if self._negation is None:
            return False
        return self._negation.search(view[max(0, start - 80) : start]) is not None

    def _signals_of(
        self, gate_text: GateText, findings: list[_Finding]
    ) -> tuple[tuple[str, float], ...]:
        """The weak signals (kind, weight) found, and one per crisis category found."""
        signals: list[tuple[str, float]] = []
        for entry_id, count in _distinct_hits(self._signal_set.find(gate_text)).items():
            spec = self._signals[entry_id]
            signals.extend((spec.kind, spec.weight) for _ in range(count))
        for category in dict.fromkeys(finding.category for finding in findings):
            signals.append((CRISIS_KIND_PREFIX + category, 1.0))
        return tuple(signals)


def _distinct_hits(hits: list[Hit]) -> dict[str, int]:
    """Per signal rule, how many separate statements matched (the best view, at most 3).

    Two different weak statements in one message ("I'm done. Goodbye.") both count; the same
    words seen again in another view, or matched by overlapping phrases of any signal rule
    (the longest, earliest one wins), count once.
    """
    per_view: dict[int, list[Hit]] = {}
    for hit in sorted(hits, key=lambda h: (h.start, h.start - h.end)):
        kept = per_view.setdefault(hit.view, [])
        if not kept or kept[-1].end <= hit.start:
            kept.append(hit)
    counts: dict[str, int] = {}
    for kept in per_view.values():
        in_view: dict[str, int] = {}
        for hit in kept:
            in_view[hit.entry_id] = in_view.get(hit.entry_id, 0) + 1
        for entry_id, count in in_view.items():
            counts[entry_id] = min(MAX_SIGNALS_PER_RULE, max(counts.get(entry_id, 0), count))
    return counts


__all__ = [
    "DECIDED_UNREAD_CHARS",
    "MAX_SIGNALS_PER_RULE",
    "NEGATION_WINDOW_WORDS",
    "SEMANTIC_RISK",
    "Assessment",
    "CrisisGate",
    "LexiconReading",
]
