"""CPU per message with the gate's work reused by the guard and the flows, and with the old paths.

    .venv/bin/python bench/reuse_bench.py [--messages 3000] [--long 40] [--seed 7]

One process, two cores built alike: "before" has the paths of ``main`` before this change put
back by patches (the gate's and the guard's anchors found with separate vocabularies, word-start
patterns searched one by one over whole views, the guard searching every rule before choosing,
folded views and a message's words computed by each reader, every pair of tokens looked up by
the typo repair, each topic's similarities sorted
and averaged one by one, the patterns' hash computed from their phrases); "after" is the code
as it is. Each batch of 64 messages is prepared once (the encoder's work, shared by both) and
then decided by both cores in turn, the order alternating, and both must decide alike.

Then the gate and the guard alone (as the core runs them: the guard only after a message not
routed to crisis) on the 4,096-character inputs of ``bench/gate_bench.py``, each input read by
both in turn with the encoder's cache emptied before each. CPU time (``time.process_time``).
Nothing is asserted but that both decide alike: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gate_bench import long_inputs
from machinery_bench import distinct_texts

import bot.engine.engine as flow_engine
import bot.engine.matcher as flow_matcher
import bot.gate.terms as crisis_terms
from bot.app import build_core
from bot.config import load_config
from bot.core.pipeline import Core
from bot.gate import AdviceGuard
from bot.gate.advice import AdviceMatch
from bot.gate.fuzzy import TokenCorrector
from bot.gate.matcher import PhraseSet, _Starts, share_anchors
from bot.gate.semantic import safety_net
from bot.gate.views import build_gate_text, draft
from bot.model import ConversationRecord, Inbound, InboundKind

ROOT = Path(__file__).resolve().parents[1]
BATCH = 64


def _whole_check(guard: AdviceGuard, text: str) -> AdviceMatch | None:
    """The guard as it was: every rule searched, every exemption, then the first rule."""
    if not text or text.isspace():
        return None
    gate_text = build_gate_text(text, guard._corrector)
    hits = guard._rule_set.find(gate_text)
    if not hits:
        return None
    exempt = guard._exemption_set.find(gate_text)
    hits = [hit for hit in hits if not guard._exempt(hit, exempt)]
    if not hits:
        return None
    order = {rule_id: index for index, rule_id in enumerate(guard._rules)}
    rule = guard._rules[min(hits, key=lambda hit: order[hit.entry_id]).entry_id]
    return AdviceMatch(rule=rule.id, topic=rule.topic, reason=rule.reason)


def _sorted_similarities(
    index: flow_matcher.MeaningIndex, text: str
) -> dict[flow_matcher.TriggerPattern, float]:
    """The topic lookup as it was: each topic sorted and averaged on its own."""
    if not index.patterns or not text.strip():
        return {}
    vector = flow_matcher._unit(index._encode([flow_matcher._meaning_text(text)]) - index._centre)
    found = {}
    for pattern, rows in zip(index.patterns, index._rows, strict=True):
        closest = np.sort(rows @ vector[0])[::-1][: index._top_k]
        found[pattern] = float(flow_matcher._SUM(closest) / len(closest))
    return found


def _each_pair_repair(corrector: TokenCorrector, tokens: Sequence[str]) -> list[str]:
    """The typo repair as it was: every pair of tokens looked up through ``_joined``."""
    repaired: list[str] = []
    index = 0
    while index < len(tokens):
        if index + 1 < len(tokens):
            joined = corrector._joined(tokens[index], tokens[index + 1])
            if joined is not None:
                repaired.append(joined)
                index += 2
                continue
        repaired.append(corrector.correct(tokens[index]))
        index += 1
    return repaired


def _fields_hash(pattern: flow_matcher.TriggerPattern) -> int:
    fields = (pattern.flow, pattern.trigger, pattern.phrases, pattern.keywords)
    return hash((*fields, pattern.meaning_texts, pattern.by_meaning))


class Paths:
    """Switches the module-level paths between before and after."""

    def __init__(self) -> None:
        self._after: dict[tuple[Any, str], Any] = {}
        self._before: dict[tuple[Any, str], Any] = {
            (flow_matcher.MeaningIndex, "similarities"): _sorted_similarities,
            (flow_matcher.TriggerPattern, "__hash__"): _fields_hash,
            (TokenCorrector, "repair"): _each_pair_repair,
            (flow_matcher, "tokens"): flow_matcher.tokens.__wrapped__,
            (flow_engine, "tokens"): flow_matcher.tokens.__wrapped__,
            (safety_net, "_variants_of"): safety_net._variants_of.__wrapped__,
            (crisis_terms, "folded_text"): lambda text: safety_net.fold(
                text[: safety_net.MAX_SCAN_CHARS]
            ),
        }
        for owner, name in self._before:
            self._after[owner, name] = getattr(owner, name)

    def use(self, *, before: bool) -> None:
        for (owner, name), value in (self._before if before else self._after).items():
            setattr(owner, name, value)


def as_before(core: Core) -> None:
    """Undo this change's wiring on one core (the module-level paths switch apart)."""
    sets: tuple[PhraseSet, ...] = (*core.gate.phrase_sets,)
    share_anchors(*sets)
    share_anchors(core.advice._rule_set, core.advice._exemption_set)
    for phrase_set in (*sets, core.advice._rule_set, core.advice._exemption_set):
        phrase_set._starts = _Starts(frozenset(), None)
    guard = core.advice
    guard.check = lambda text: _whole_check(guard, text)  # type: ignore[method-assign]


def report(name: str, values: list[float]) -> None:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    print(
        f"  {name:<8} p50 {statistics.median(ordered):8.3f}  p99 {p99:8.3f}  "
        f"mean {statistics.fmean(ordered):8.3f}  max {ordered[-1]:8.3f}"
    )


def core_rounds(cores: dict[str, Core], paths: Paths, texts: Iterator[str], count: int) -> None:
    """Decide ``count`` distinct messages with each core in turn; print µs per message."""
    records: dict[str, dict[str, ConversationRecord]] = {name: {} for name in cores}
    times: dict[str, list[float]] = {name: [] for name in cores}
    warm = 640
    number = 0
    while number < warm + count:
        if number == warm:
            gc.freeze()
            for values in times.values():
                values.clear()
        inbounds = [
            Inbound(f"tg:{(number + k) % 200}", InboundKind.TEXT, text=next(texts))
            for k in range(BATCH)
        ]
        inbounds = [
            Inbound(i.conversation_id, i.kind, text=i.text, received_at=1e9 + number + k)
            for k, i in enumerate(inbounds)
        ]
        cores["after"].prepare([inbound.text for inbound in inbounds])
        order = list(cores.items())
        if (number // BATCH) % 2:
            order.reverse()
        decided: dict[str, list[Any]] = {}
        for name, core in order:
            paths.use(before=name == "before")
            outcomes = decided[name] = []
            for inbound in inbounds:
                started = time.process_time()
                outcome = core.process(records[name].get(inbound.conversation_id), inbound)
                times[name].append((time.process_time() - started) * 1e6)
                records[name][inbound.conversation_id] = outcome.record
                outcomes.append((outcome.route, outcome.replies, outcome.trigger))
        if decided["before"] != decided["after"]:
            raise SystemExit("the two cores decided differently")
        number += BATCH
    paths.use(before=False)
    print(f"Core.process after prepare, µs per message ({count:,} distinct messages):")
    for name, values in times.items():
        report(name, values)


def long_rounds(cores: dict[str, Core], paths: Paths, count: int, seed: int) -> None:
    """The gate and the guard on each long input, both cores in turn; ms per input."""
    encoder = cores["after"].gate.semantic._encoder
    remembered_views = safety_net._variants_of
    for kind, texts in long_inputs(count, seed).items():
        times: dict[str, list[float]] = {name: [] for name in cores}
        for number, text in enumerate(texts):
            order = list(cores.items())
            if number % 2:
                order.reverse()
            verdicts = []
            for name, core in order:
                paths.use(before=name == "before")
                encoder._cache.clear()  # both encode the message's pieces
                draft.cache_clear()  # both read the text from the start
                remembered_views.cache_clear()
                started = time.process_time()
                verdict = core.gate.assess(text)
                advice = None if verdict.crisis else core.advice.check(text)
                times[name].append((time.process_time() - started) * 1e3)
                verdicts.append((verdict.outcome, verdict.rule, advice))
            if verdicts[0] != verdicts[1]:
                raise SystemExit(f"{kind}: the two cores decided differently")
        paths.use(before=False)
        print(f"{kind} (4,096 characters), gate and guard as the core runs, ms:")
        for name, values in times.items():
            report(name, values)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--long", type=int, default=40, help="inputs of each 4,096-char kind")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    config = load_config(ROOT / "config.example.yaml")
    cores = {"before": build_core(config), "after": build_core(config)}
    as_before(cores["before"])
    paths = Paths()
    for text in (t for ts in long_inputs(6, args.seed + 1).values() for t in ts):
        for name, core in cores.items():
            paths.use(before=name == "before")
            core.gate.assess(text)
            core.advice.check(text)
    paths.use(before=False)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}")
    if args.messages:
        core_rounds(cores, paths, distinct_texts(), args.messages)
    if args.long:
        long_rounds(cores, paths, args.long, args.seed)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at the end {load}")


if __name__ == "__main__":
    main()
