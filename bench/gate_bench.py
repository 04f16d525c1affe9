"""CPU cost of the crisis gate (lexicon and semantic detector) and the advice guard, per message.

Run: ``.venv/bin/python bench/gate_bench.py [--messages 10000] [--long 60] [--seed 7]``

Messages are generated from invented fragments: everyday chat, ketamine questions, crisis
statements, and obfuscated variants of all of them (leetspeak, spaced letters, capitals,
zero-width characters, repeated letters), between one and several sentences long. Then come
inputs at Telegram's 4,096-character limit: prose, prose dense with crisis statements, and
adversarial text (long runs of one character, spaced letters, emoji, near-miss words, leetspeak,
words glued with dots). Chatty messages of 200 to 1,000 characters sit between the two: the
length at which the semantic detector reads a message by its sentences. Every message is
distinct, so nothing is served from a cache that a real message would miss; the guard reads
each message right after the gate, as the bot does
when the gate did not route it to crisis (the "both, as the core runs" line leaves the guard out
after a crisis route; the "both" line keeps it).

After the warm-up the objects built so far are moved out of the cyclic garbage collector's way
(``gc.freeze()``), as the bot does once it has started; ``--no-freeze`` leaves that out.
Prints the start-up cost (reading and compiling the lexicon, loading the sentence encoder and
the exemplar vectors; regexes compile on first use, so the first messages are timed apart),
p50/p99/max CPU time (``time.process_time``) per kind, then the semantic detector alone on
other texts of every kind (the encoder caches recent texts, so it must not see the gate's).
Nothing is asserted: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence

from bot.gate import AdviceGuard, CrisisGate, default_gate

EVERYDAY = (
    "hi there",
    "thanks, that was helpful",
    "I had a long day at work",
    "my phone died again",
    "this homework is killing me",
    "I'm dying to see that film",
    "we ran 10 kms this morning",
    "can you tell me more",
    "I feel a bit down today",
    "the bridge near us is closed for repairs",
)
QUESTIONS = (
    "what are the side effects of spravato",
    "how much does a ketamine infusion cost",
    "is at-home ketamine safe",
    "how long does the effect last",
    "how much ketamine should I take",
    "can I drink alcohol after my session",
    "is spravato approved for depression",
    "should I stop my antidepressants",
)
CRISIS = (
    "I want to kill myself",
    "I don't want to be alive anymore",
    "everyone would be better off without me",
    "I've been cutting again",
    "how many pills would it take",
    "my friend says she wants to die",
    "I wrote a goodbye note",
    "kms",
    "I lost my job and nothing matters",
)
LEET = str.maketrans({"i": "1", "e": "3", "o": "0", "a": "4", "s": "$"})


def _obfuscate(text: str, rng: random.Random) -> str:
    """One random trick applied to ``text``."""
    trick = rng.randrange(6)
    if trick == 0:
        return text.translate(LEET)
    if trick == 1:
        return " ".join(text)
    if trick == 2:
        return text.upper()
    if trick == 3:
        return "\u200b".join(text)
    if trick == 4:
        return "".join(char * rng.choice((1, 1, 3)) for char in text)
    return text


def generate(count: int, seed: int) -> list[str]:
    """``count`` messages: mostly everyday and questions, some crisis, a third obfuscated."""
    rng = random.Random(seed)
    pools = (EVERYDAY, EVERYDAY, QUESTIONS, QUESTIONS, CRISIS)
    messages = []
    for _ in range(count):
        sentences = [rng.choice(rng.choice(pools)) for _ in range(rng.choice((1, 1, 2, 3)))]
        text = ". ".join(sentences)
        messages.append(_obfuscate(text, rng) if rng.random() < 0.33 else text)
    return messages


LIMIT = 4096
FILLER = (
    "the",
    "appointment",
    "was",
    "fine",
    "and",
    "my",
    "sister",
    "thinks",
    "we",
    "should",
    "walk",
    "more",
    "weather",
    "garden",
    "because",
    "honestly",
    "tomorrow",
    "insurance",
    "clinic",
    "nurse",
)
NEAR_MISSES = ("sucide", "kil", "myslef", "overdoes", "pils", "hanging", "bridgee", "dyeing")
EMOJI = ("\U0001f600", "\U0001f52a", "\U0001f48a", "\U0001f622", "\u2764\ufe0f")


def _fill(parts: Sequence[str], rng: random.Random, separator: str = " ") -> str:
    """Join random picks of ``parts`` until the text reaches the Telegram limit."""
    text = ""
    while len(text) < LIMIT:
        text += rng.choice(parts) + separator
    return text[:LIMIT]


def long_inputs(count: int, seed: int) -> dict[str, list[str]]:
    """``count`` distinct 4,096-character inputs of each long or adversarial kind."""
    rng = random.Random(seed)
    sentences = (*EVERYDAY, *QUESTIONS, *(" ".join(rng.sample(FILLER, 8)) for _ in range(30)))
    kinds: dict[str, list[str]] = {name: [] for name in ADVERSARIAL_KINDS}
    for index in range(count):
        prose = _fill(sentences, rng, ". ")
        kinds["prose"].append(prose)
        kinds["crisis-dense prose"].append(_fill((*CRISIS, *sentences[:6]), rng, ". "))
        buried = prose[: LIMIT - 40] + " " + rng.choice(CRISIS)
        kinds["crisis at the end"].append(buried[:LIMIT])
        char = rng.choice("abcdefghijklmnopqrstuvwxyz.!*")
        kinds["run of one character"].append(char * (LIMIT - index) + "x" * index)
        kinds["spaced letters"].append(" ".join(prose[: LIMIT // 2]))
        kinds["emoji"].append("".join(rng.choice(EMOJI) for _ in range(LIMIT // 2)))
        kinds["near-miss words"].append(_fill(NEAR_MISSES + FILLER[:4], rng))
        kinds["leetspeak"].append(prose.translate(LEET))
        kinds["words glued with dots"].append(".".join(prose.split())[:LIMIT])
    return kinds


def chatty_messages(count: int, seed: int) -> list[str]:
    """``count`` chatty messages of 200 to 1,000 characters, 6 to 14 sentences each, about a
    third with one crisis sentence in the middle. Every sentence carries a random word and number
    so that none repeats (the encoder caches what it has read)."""
    rng = random.Random(seed)
    messages: list[str] = []
    while len(messages) < count:
        count_of = rng.randint(6, 14)
        parts = [
            f"{rng.choice((*EVERYDAY, *QUESTIONS))} {rng.choice(FILLER)} {rng.randrange(10_000)}"
            for _ in range(count_of)
        ]
        if rng.random() < 0.33:
            parts[rng.randrange(1, count_of - 1)] = rng.choice(CRISIS)
        text = ". ".join(parts) + "?"
        if 200 <= len(text) <= 1000:
            messages.append(text)
    return messages


ADVERSARIAL_KINDS = (
    "prose",
    "crisis-dense prose",
    "crisis at the end",
    "run of one character",
    "spaced letters",
    "emoji",
    "near-miss words",
    "leetspeak",
    "words glued with dots",
)


def cpu_ms(call: Callable[[str], object], text: str) -> float:
    """CPU milliseconds ``call(text)`` takes."""
    before = time.process_time()
    call(text)
    return (time.process_time() - before) * 1e3


def report(name: str, durations: Sequence[float]) -> None:
    """Print p50, p99 and max of ``durations`` (milliseconds)."""
    ordered = sorted(durations)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"  {name:<24} n={len(ordered):>6,}  p50 {statistics.median(ordered):7.3f} ms  "
        f"p99 {p99:7.3f} ms  max {ordered[-1]:7.3f} ms"
    )


def measure(gate: CrisisGate, guard: AdviceGuard, kind: str, messages: Sequence[str]) -> None:
    """Time the gate, then the guard, on each message, as the bot reads it."""
    gate_ms: list[float] = []
    guard_ms: list[float] = []
    crisis: list[bool] = []
    for text in messages:
        before = time.process_time()
        crisis.append(gate.assess(text).crisis)
        gate_ms.append((time.process_time() - before) * 1e3)
        guard_ms.append(cpu_ms(guard.check, text))
    print(kind)
    report("crisis gate (both)", gate_ms)
    report("advice guard after it", guard_ms)
    report("both", [a + b for a, b in zip(gate_ms, guard_ms, strict=True)])
    # The core asks the guard only when the gate did not route to crisis (bot.core.pipeline).
    as_core = [a + (0.0 if c else b) for a, b, c in zip(gate_ms, guard_ms, crisis, strict=True)]
    report("both, as the core runs", as_core)


def main() -> None:
    """Parse arguments, build the components once, and print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--long", type=int, default=60, help="inputs of each 4,096-char kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave out gc.freeze() after the warm-up"
    )
    args = parser.parse_args()
    started = time.process_time()
    gate = default_gate()
    guard = AdviceGuard.default()
    guard.read_after(gate)  # as the core wires them (bot.core.pipeline)
    print(f"gate and guard built in {(time.process_time() - started) * 1e3:.0f} ms CPU")
    messages = generate(args.messages, args.seed)
    started = time.process_time()
    for text in messages[:200]:
        gate.assess(text)
        guard.check(text)
    spent = (time.process_time() - started) * 1e3
    print(f"first 200 messages (compiling the regexes they need): {spent:.0f} ms CPU")
    # Warm up on other messages of every kind, so the timed ones run with compiled regexes.
    warm = [*generate(2_000, args.seed + 1), *chatty_messages(200, args.seed + 1)]
    for texts in long_inputs(20, args.seed + 1).values():
        warm.extend(texts)
    for text in warm:
        gate.assess(text)
        guard.check(text)
    if not args.no_freeze:
        gc.freeze()  # as the bot does after start-up (bot.telegram.runner)
    mean_length = statistics.mean(len(text) for text in messages)
    print(f"{len(messages):,} generated short messages, mean length {mean_length:.0f} characters")
    measure(gate, guard, "short messages", messages)
    chatty = chatty_messages(max(args.long * 10, 100), args.seed)
    mean_length = statistics.mean(len(text) for text in chatty)
    measure(gate, guard, f"chatty messages (200-1,000 characters, mean {mean_length:.0f})", chatty)
    for kind, texts in long_inputs(args.long, args.seed).items():
        measure(gate, guard, f"{kind} (4,096 characters)", texts)
    crisis = sum(gate.assess(text).crisis for text in messages)
    print(f"short messages routed to crisis: {crisis:,} of {len(messages):,}")
    # The semantic detector alone, on texts the gate has not read (its encoder caches texts).
    print("semantic detector alone")
    fresh = generate(min(args.messages, 2_000), args.seed + 2)
    report("short messages", [cpu_ms(gate.semantic.assess, text) for text in fresh])
    for kind, texts in long_inputs(args.long, args.seed + 2).items():
        report(kind, [cpu_ms(gate.semantic.assess, text) for text in texts])


if __name__ == "__main__":
    main()
