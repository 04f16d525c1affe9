"""What acknowledging an update costs, next to deciding it: CPU and answer times, in-process.

    .venv/bin/python bench/inbox_bench.py [--chats 100] [--messages 10] [--in-flight 40]

The webhook app as ``crisisbot run`` wires it (secret check, body read, ``Update.de_json``, the
inbox's group commit, the 200), driven in the same process through httpx's ASGI transport with
``--in-flight`` requests at a time (each chat's next update only after the previous one's 200, as
Telegram sends), the real core and a SQLite file (``--pg-url``: PostgreSQL), Bot API calls
answered at once in-process. Three phases, each timed on its own:

1. acknowledge every update with no decider running: CPU per acknowledgement, answer p50/p99;
2. decide everything the inbox holds (the decider's rounds): CPU per decision;
3. a fresh load acknowledged while the decider runs beside it in the same process, as it does
   in a replica: answer p50/p99, and the time from each update's POST until its decision was
   committed (the person's reply is sent after that; the outbox sender is not run here).

No uvicorn and no network: the figures are the bot's own cost of each step. What start-up built
is frozen out of the cyclic collector's way first (``gc.freeze()``), as ``crisisbot run`` does;
``--no-freeze`` leaves that out. The replicas bench
(``bench/replicas_bench.py``) measures the whole with real processes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.storage_bench import percentile  # noqa: E402
from bench.telegram_bench import InstantRequest  # noqa: E402
from bot.app import build_service  # noqa: E402
from bot.config import load_config, use_timedelta_periods  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.telegram.application import TelegramBot, assemble, build_application  # noqa: E402
from bot.telegram.webhook import SECRET_HEADER, create_webhook_app  # noqa: E402
from tests.replicas.loadgen import chat_updates  # noqa: E402

TOKEN = "123:abc"
SECRET = "bench-secret"


async def deliver(
    client: httpx.AsyncClient, by_chat: dict[int, list[dict[str, Any]]], in_flight: int
) -> tuple[list[float], dict[int, float]]:
    """POST every chat's updates in order, ``in_flight`` at a time; answer times, first POSTs."""
    gate = asyncio.Semaphore(in_flight)
    answers: list[float] = []
    posted: dict[int, float] = {}

    async def one_chat(updates: list[dict[str, Any]]) -> None:
        for update in updates:
            async with gate:
                began = time.perf_counter()
                posted[update["update_id"]] = time.time()
                response = await client.post(
                    "/telegram", json=update, headers={SECRET_HEADER: SECRET}
                )
                assert response.status_code == 200, response.text
                answers.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(one_chat(updates) for updates in by_chat.values()))
    return answers, posted


def decided_at(storage: Storage) -> dict[int, float]:
    """When each update's decision was committed (``processed_updates.processed_at``)."""
    from sqlalchemy import select

    from bot.storage.tables import processed_updates

    with storage.transaction(write=False) as connection:
        rows = connection.execute(
            select(processed_updates.c.update_id, processed_updates.c.processed_at)
        )
        return {int(update_id): float(at) for update_id, at in rows}


async def run(
    url: str, chats: int, messages: int, in_flight: int, *, freeze: bool = True
) -> dict[str, float]:
    service, storage, _desk = build_service(
        load_config(ROOT / "config.example.yaml"), storage_url=url
    )
    application = build_application(
        TOKEN,
        base_url="http://bench.invalid/bot",
        request=InstantRequest(),
        get_updates_request=InstantRequest(),
        rate_limited=False,
    )
    bot: TelegramBot = assemble(application, service, storage, token=TOKEN)
    app = create_webhook_app(
        bot=application.bot, secret=SECRET, process=bot.accept, storage_ready=lambda: None
    )
    figures: dict[str, float] = {}
    total = chats * messages
    try:
        async with (
            application,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://webhook.bench"
            ) as client,
        ):
            if freeze:  # as ``crisisbot run`` does once started
                gc.freeze()
            cpu = time.process_time()
            answers, _ = await deliver(
                client, chat_updates(chats, messages, first=1_000_000), in_flight
            )
            figures["ack_cpu_us"] = (time.process_time() - cpu) / total * 1e6
            figures["ack_p50_ms"] = statistics.median(answers)
            figures["ack_p99_ms"] = percentile(answers, 0.99)

            cpu = time.process_time()
            while await bot.decider.decide_due():
                pass
            figures["decide_cpu_us"] = (time.process_time() - cpu) / total * 1e6

            deciding = asyncio.create_task(bot.decider.run())
            cpu = time.process_time()
            answers, posted = await deliver(
                client, chat_updates(chats, messages, first=2_000_000), in_flight
            )
            while storage.inbox_figures().waiting:
                await asyncio.sleep(0.05)  # the decider is working; this only looks
            figures["both_cpu_us"] = (time.process_time() - cpu) / total * 1e6
            bot.decider.stop()
            await deciding
            figures["both_p50_ms"] = statistics.median(answers)
            figures["both_p99_ms"] = percentile(answers, 0.99)
            done = decided_at(storage)
            waits = [(done[u] - at) * 1000 for u, at in posted.items() if u in done]
            figures["decided_p50_ms"] = statistics.median(waits)
            figures["decided_p99_ms"] = percentile(waits, 0.99)
    finally:
        storage.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--in-flight", type=int, default=40)
    parser.add_argument("--pg-url", default=None, help="PostgreSQL URL (migrated first)")
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="sys.setswitchinterval in seconds (how long a thread holds the GIL; default 0.005)",
    )
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave out gc.freeze() after start-up"
    )
    args = parser.parse_args()
    use_timedelta_periods()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    print(
        f"{args.chats} chats x {args.messages} messages, {args.in_flight} in flight, "
        f"switch interval {sys.getswitchinterval() * 1000:g} ms"
    )
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="crisisbot-inbox-") as tmp:
        url = args.pg_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if args.pg_url:
            migrating = Storage.from_url(url)
            migrating.upgrade()
            migrating.close()
        row = asyncio.run(
            run(url, args.chats, args.messages, args.in_flight, freeze=not args.no_freeze)
        )
    print("| step | CPU µs/update | answer p50 ms | answer p99 ms |")
    print("|---|---:|---:|---:|")
    print(
        f"| acknowledge only (no decider) | {row['ack_cpu_us']:,.0f} "
        f"| {row['ack_p50_ms']:.1f} | {row['ack_p99_ms']:.1f} |"
    )
    print(f"| decide what waits (decider only) | {row['decide_cpu_us']:,.0f} | | |")
    print(
        f"| acknowledge with the decider running | {row['both_cpu_us']:,.0f} "
        f"| {row['both_p50_ms']:.1f} | {row['both_p99_ms']:.1f} |"
    )
    print(
        f"\nPOST to decision committed, with the decider running: p50 "
        f"{row['decided_p50_ms']:,.0f} ms, p99 {row['decided_p99_ms']:,.0f} ms"
    )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
