"""Every outcome of the core on a fixed stream of messages, one line each, to compare two trees.

    .venv/bin/python bench/core_outcomes.py OUT.txt [--messages 3000]
    diff <(PYTHONPATH=/tmp/before .venv/bin/python bench/core_outcomes.py -) \
         <(.venv/bin/python bench/core_outcomes.py -)

A change made for speed must not change what the bot decides. This runs ``Core.process`` on
the messages the core benches time (the benign and advice lines of the development sets with
openings and closings, spread over 200 people whose records carry over) and on every line of
the held-out sets in ``tests/gate/heldout`` and of the development sets (each item a fresh
person; a conversation's turns in order), preparing each batch of 64 first as ``crisisbot run``
does, and writes each outcome's ``repr``: route, replies with their buttons, the whole record
(state, signals, crisis, language), rule and events, and the detectors that spoke, sorted.
Two trees that print the same lines decide the same on all of them. Deterministic: the times
are made up from the position.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machinery_bench import distinct_texts

from bot.app import build_core
from bot.config import load_config
from bot.model import ConversationRecord, Inbound, InboundKind

ROOT = Path(__file__).resolve().parents[1]
SHARED_TRIAGE = ROOT.parent / "shared" / "triage"
BATCH = 64


def streams(messages: int, chats: int) -> Iterator[tuple[str, str]]:
    """``(conversation id, text)`` in order: the bench's messages, then every labelled item."""
    for number, text in enumerate(itertools.islice(distinct_texts(), messages)):
        yield f"bench:{number % chats}", text
    files = sorted((ROOT / "tests" / "gate" / "heldout").glob("*.jsonl"))
    files += sorted(SHARED_TRIAGE.glob("*.jsonl")) if SHARED_TRIAGE.is_dir() else []
    for path in files:
        for line_number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            item = json.loads(raw)
            turns = item.get("turns")
            texts = [str(t) for t in turns] if isinstance(turns, list) else [str(item["text"])]
            for text in texts:
                yield f"{path.stem}:{line_number}", text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="file to write, or - for standard output")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=200)
    args = parser.parse_args()
    core = build_core(load_config(ROOT / "config.example.yaml"))
    records: dict[str, ConversationRecord | None] = {}
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    items = list(streams(args.messages, args.chats))
    with out:
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            core.prepare([text for _, text in batch])
            for offset, (conversation_id, text) in enumerate(batch):
                inbound = Inbound(
                    conversation_id, InboundKind.TEXT, text=text, received_at=1e9 + start + offset
                )
                outcome = core.process(records.get(conversation_id), inbound)
                records[conversation_id] = outcome.record
                # a frozenset's repr follows string hashing, which differs per process
                shown = replace(outcome, detectors=frozenset())
                detectors = ",".join(sorted(outcome.detectors))
                out.write(f"{conversation_id}\t{shown!r}\t{detectors}\n")


if __name__ == "__main__":
    main()
