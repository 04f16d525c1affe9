"""CPU per ordinary message of the core's own reading: the lexicon gate, advice guard and flows.

    .venv/bin/python bench/core_goal_bench.py [--messages 3000] [--chats 200] [--batch 64]
        [--parts] [--fresh] [--lazy]

Issue 13's goal for the core: the lexicon gate, the advice guard and the flows together at most
150 µs at p50 and 1 ms at p99 per ordinary message. The semantic encoder is not part of that
goal: in ``crisisbot run`` a group commit's texts are encoded together first (``Core.prepare``),
and each update is then decided alone, finding its vectors and similarities ready. So this times
``Core.process`` per message after its batch was prepared, which is what is left of the core
once the encoder has run: the gate's lexicon, signals and crisis terms, reading the prepared
similarities, the advice guard, the flows (with their topic lookup by meaning read from the same
cache) and the record's changes. ``prepare`` is timed apart, per message of its batch.

Messages: the benign and advice lines of the development sets (``../shared/triage``), each with
an opening and a closing from short lists so no text repeats, spread over ``--chats`` people,
records kept in memory. No text repeats, but its sentence does, 56 times: what the lexicon
remembers per word, per pair of words and per set of words found answers far more often than
for people's messages. ``--fresh`` reads sentences each written once instead (the held-out
sets' benign and advice lines: more of them come near the lexicon's phrases than chat does;
``--chats 4000`` gives each its own person, so that no check-in adds up to a crisis mode that
keeps the rest from the flows). Every regular expression of the gate and the guard is compiled
first, as ``crisisbot run`` does in the background once it serves (``--lazy``: compiled on first use
instead, as ``chat`` and ``triage`` do, so some timed messages pay for a compile); the first
``--warm`` messages are not counted; then ``gc.freeze()``, as ``crisisbot run`` does once
started. CPU time (``time.process_time``) of each call. ``--no-reply-language`` is an experiment,
not the bot: the record's language is left unobserved, to see what the reply language's
identification costs the parts through the caches (it ran just before the gate until the core
prepared it with the batch).

The goal names three parts, so they are timed too, inside ``Core.process``: the lexicon gate
(``CrisisGate.assess`` less its semantic detector's reading of the prepared similarities), the
advice guard (``AdviceGuard.check``) and the flows (every call into the ``FlowEngine``). The rest
of ``Core.process`` (the reply language's identification, the semantic reading, the record's
copy) is in the whole's figure only. Each part is timed at its outermost call with two more
clock reads, which its figure includes (about 1 µs). So the parts are timed in a run of their own
(``--parts``), over the same messages in the same order, with the clocks on from the start;
that run's whole figure includes the clocks and is printed only for reference.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machinery_bench import distinct_texts

from bot.app import build_core
from bot.config import load_config
from bot.core import pipeline
from bot.core.pipeline import Core
from bot.model import ConversationRecord, Inbound, InboundKind

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


FLOW_CALLS = frozenset(
    {
        "new_record",
        "revalidate",
        "on_command",
        "on_button",
        "on_text",
        "fallback",
        "restart",
        "topic_action",
        "render",
    }
)


class PartClock:
    """CPU time spent in the goal's parts of one ``Core.process`` call.

    :meth:`attach` gives a core of its own stand-ins for its gate, advice guard and flow engine
    (and for the gate's semantic detector), each passing every call on to the real object and
    timing the listed ones at their outermost entry. Only that core's attributes change: the
    real objects, and any other core, run exactly as before.
    """

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.running: set[str] = set()
        """The parts whose timed call is under way."""
        self.ahead: dict[tuple[str, str], float] = {}
        """Per part and text, the CPU time of its reading done ahead (in ``Core.prepare``)."""

    def attach(self, core: Core) -> None:
        """Time ``core``'s parts from now on."""
        gate = core.gate
        # each text's lexicon reading and advice check done ahead, in prepare, is counted in
        # that text's parts too (the real objects' own calls: instance attributes)
        gate.read = self._ahead(gate.read, "gate")  # type: ignore[method-assign]
        advice = core.advice
        advice.match = self._ahead(advice.match, "guard")  # type: ignore[method-assign]
        # the stand-ins answer every attribute the real objects have (the assignments are typed)
        stand_in: Any = _Clocked(gate.semantic, {"assess", "unread"}, "semantic", self)
        gate.semantic = stand_in
        stand_in = _Clocked(gate, {"assess"}, "gate", self)
        core.gate = stand_in
        stand_in = _Clocked(core.advice, {"check"}, "guard", self)
        core.advice = stand_in
        stand_in = _Clocked(core.engine, FLOW_CALLS, "flows", self)
        core.engine = stand_in

    def _ahead(self, read: Callable[[str], Any], part: str) -> Callable[[str], Any]:
        """``read`` (one part's reading of a text), timed into :attr:`ahead` when called
        outside that part's timed call (in prepare); inside, the part's own clock counts it."""
        clock = time.process_time
        ahead = self.ahead
        running = self.running

        def timed(text: str) -> Any:
            if part in running:
                return read(text)
            started = clock()
            try:
                return read(text)
            finally:
                ahead[part, text] = ahead.get((part, text), 0.0) + clock() - started

        return timed

    def parts(self, text: str) -> tuple[float, float, float]:
        """The lexicon gate, the advice guard and the flows of the last call, in µs, each
        with its reading of ``text`` done ahead in prepare (taken: counted once)."""
        spent = self.spent
        ahead = self.ahead
        gate = spent.get("gate", 0.0) - spent.get("semantic", 0.0) + ahead.pop(("gate", text), 0)
        guard = spent.get("guard", 0.0) + ahead.pop(("guard", text), 0.0)
        return gate * 1e6, guard * 1e6, spent.get("flows", 0.0) * 1e6


class _Clocked:
    """A stand-in for one of a core's parts, adding the CPU time of ``timed`` calls to
    ``spent[part]`` (calls the part makes to itself run inside, unclocked)."""

    def __init__(
        self, real: object, timed: frozenset[str] | set[str], part: str, clock: PartClock
    ) -> None:
        self._real = real
        self._timed = timed
        self._part = part
        self._spent = clock.spent
        self._running = clock.running

    def __getattr__(self, name: str) -> Any:
        found: Any = getattr(self._real, name)
        if name not in self._timed:
            return found
        clock = time.process_time
        spent = self._spent
        part = self._part
        running = self._running

        def clocked(*args: object, **kwargs: object) -> object:
            outermost = part not in running
            running.add(part)
            started = clock()
            try:
                return found(*args, **kwargs)
            finally:
                spent[part] = spent.get(part, 0.0) + clock() - started
                if outermost:
                    running.discard(part)

        return clocked


HELD_OUT = ROOT / "tests" / "gate" / "heldout"


def fresh_texts() -> list[str]:
    """The benign and advice lines of the project's held-out sets, each once, in file order.

    The default stream says its sentences again with other openings and closings, so what the
    lexicon remembers per word, per pair of words and per set of words found answers far more
    often than it would for people's messages; these lines were each written once.
    """
    lines: dict[str, None] = {}
    for path in sorted(HELD_OUT.glob("heldout*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(raw) if raw.strip() else {}
            if item.get("expect") in {"benign", "advice"} and "text" in item:
                lines.setdefault(item["text"], None)
    return list(lines)


def main() -> None:  # noqa: PLR0915 - one measurement, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--warm", type=int, default=640)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64, help="texts prepared together")
    parser.add_argument("--lazy", action="store_true", help="compile regexes on first use")
    parser.add_argument(
        "--no-reply-language",
        action="store_true",
        help="an experiment: leave the reply language unidentified (before the core prepared "
        "it with the batch, this showed what it cost the parts through the caches)",
    )
    parser.add_argument(
        "--parts", action="store_true", help="time the goal's three parts too (clocks inside)"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="sentences never seen before: the held-out sets' benign and advice lines, each once",
    )
    args = parser.parse_args()
    if args.fresh:
        lines = fresh_texts()
        if len(lines) < args.warm + args.messages:
            parser.error(f"--fresh has {len(lines):,} lines: ask for fewer --warm and --messages")
        texts: Iterator[str] = iter(lines)
    else:
        texts = distinct_texts()
    core = build_core(load_config(ROOT / "config.example.yaml"))
    if args.no_reply_language:
        pipeline.observe_language = lambda record, inbound, enabled: {}  # type: ignore[attr-defined]
    if not args.lazy:
        core.compile_all()
    clock = PartClock()
    if args.parts:
        clock.attach(core)
    records: dict[str, ConversationRecord | None] = {}
    decide: list[float] = []
    prepare: list[float] = []
    parts: tuple[list[float], list[float], list[float]] = ([], [], [])
    together: list[float] = []
    total = args.warm + args.messages
    number = 0
    while number < total:
        if number == args.warm:
            gc.freeze()
            decide.clear()
            prepare.clear()
            together.clear()
            for values in parts:
                values.clear()
        size = min(args.batch, total - number)
        inbounds = [
            Inbound(
                f"tg:{(number + k) % args.chats}",
                InboundKind.TEXT,
                text=next(texts),
                received_at=1e9 + number + k,
            )
            for k in range(size)
        ]
        if clock.ahead:  # a reading done ahead that no message's parts took: not counted
            raise SystemExit(f"readings done ahead but not counted: {len(clock.ahead)}")
        started = time.process_time()
        core.prepare([inbound.text for inbound in inbounds])
        prepare.append((time.process_time() - started) / size * 1e6)
        for inbound in inbounds:
            clock.spent.clear()
            started = time.process_time()
            outcome = core.process(records.get(inbound.conversation_id), inbound)
            decide.append((time.process_time() - started) * 1e6)
            records[inbound.conversation_id] = outcome.record
            if args.parts:
                named = clock.parts(inbound.text)
                for values, value in zip(parts, named, strict=True):
                    values.append(value)
                together.append(sum(named))
        number += size
    compiled = "on first use" if args.lazy else "ahead"
    stream = "held-out sentences, each once" if args.fresh else "distinct"
    clocks = ", the parts' clocks inside (--parts)" if args.parts else ""
    print(
        f"{len(decide):,} ordinary messages ({stream}), {args.chats} people, prepared in "
        f"batches of {args.batch}, regexes compiled {compiled}; "
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"Core.process after prepare{clocks}, CPU µs per message: "
        f"p50 {statistics.median(decide):,.0f}, "
        f"p99 {percentile(decide, 0.99):,.0f}, mean {statistics.fmean(decide):,.0f}, "
        f"max {max(decide):,.0f}"
    )
    print(
        f"Core.prepare (the lexicon, guard and encoder, batched), CPU µs per message: "
        f"median of batches "
        f"{statistics.median(prepare):,.0f}"
    )
    if not args.parts:
        return
    print(
        f"The goal's parts inside Core.process, CPU µs per message: "
        f"together p50 {statistics.median(together):,.0f}, "
        f"p99 {percentile(together, 0.99):,.0f}, max {max(together):,.0f}; "
        + "; ".join(
            f"{part} p50 {statistics.median(values):,.0f}, p99 {percentile(values, 0.99):,.0f}"
            for part, values in zip(("lexicon gate", "advice guard", "flows"), parts, strict=True)
        )
    )


if __name__ == "__main__":
    main()
