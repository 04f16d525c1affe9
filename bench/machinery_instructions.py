"""Instructions per update of the machinery and of a bare ConversationHandler, counted by valgrind.

    .venv/bin/python bench/machinery_instructions.py [--rounds 3] [TREE ...]

``machinery_bench.py`` times the machinery against python-telegram-bot's ``ConversationHandler``
in CPU time, which moves by ±20% between runs of the same code on a shared machine: a trim of a
few per cent cannot be seen there. Instructions can (:mod:`instructions`).

For each TREE (a checkout or a ``git archive`` of one; default: this one) two processes run
under valgrind's cachegrind: each builds the real Application with the stub core over a new
SQLite file, as ``machinery_bench.py`` does, and takes one warm-up round of 400 updates (200
chats, two messages each) through the inbox, as ``crisisbot run`` does (stored, acknowledged,
decided by the decider, the replies sent); one then takes ``--rounds`` more. The difference,
divided by the updates, is what one update costs. The ``ConversationHandler`` is counted the
same way (``--what ch``), in the process of the first TREE only: it does not change with this
project's code. Under valgrind the process's threads take turns, so the group commits' sizes may
differ a little from run to run. A tree takes about two minutes per variant.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from instructions import per_unit

ROOT = Path(__file__).resolve().parents[1]
CHATS, MESSAGES = 200, 2


async def run(what: str, rounds: int, built: int) -> None:
    """The measured process: a warm-up round, then ``rounds`` rounds of ``what``.

    The updates of ``built`` rounds are read first, whatever ``rounds`` is, so that reading them
    (``Update.de_json``, left out of ``machinery_bench.py``'s times too) cancels out.
    """
    import machinery_bench as bench
    from telegram import Update

    from bot.storage import Storage

    payloads = [bench.round_updates(number, CHATS, MESSAGES) for number in range(built + 1)]
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage.from_url(f"sqlite:///{folder}/bench.db")
        storage.ensure_schema()
        async with AsyncExitStack() as stack:
            if what == "ch":
                application = bench.conversation_handler_app(bench.InstantRequest())
                await stack.enter_async_context(application)
                rounds_read = [[Update.de_json(p, application.bot) for p in ps] for ps in payloads]
                for updates in rounds_read[: rounds + 1]:
                    await bench.process_each(application, updates)
            else:
                bot = bench.crisisbot_app(bench.StubCore(), storage)
                await stack.enter_async_context(bot.application)
                rounds_read = [
                    [Update.de_json(p, bot.application.bot) for p in ps] for ps in payloads
                ]
                decider = asyncio.create_task(bot.decider.run())
                gc.freeze()  # as ``crisisbot run`` does once started
                measured = list(zip(rounds_read, payloads, strict=True))[: rounds + 1]
                for updates, round_payloads in measured:
                    await bench.accept_and_decide(bot, updates, round_payloads)
                bot.decider.stop()
                await decider
        storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path, default=[ROOT])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--what", choices=("inbox", "ch"), default="inbox", help=argparse.SUPPRESS)
    parser.add_argument("--built", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner is not None:
        asyncio.run(run(args.what, args.rounds, args.built))
        return
    updates = args.rounds * CHATS * MESSAGES
    script = Path(__file__)
    for index, tree in enumerate(args.trees):
        variants = ("inbox", "ch") if index == 0 else ("inbox",)
        for what in variants:
            built = ["--what", what, "--built", str(args.rounds)]
            work = [*built, "--rounds", str(args.rounds)]
            idle = [*built, "--rounds", "0"]
            each = per_unit(script, tree, work, idle, updates)
            label = "ConversationHandler" if what == "ch" else "machinery through the inbox"
            print(f"{tree}: {label}: {each / 1e3:,.0f} k instructions per update", flush=True)


if __name__ == "__main__":
    main()
