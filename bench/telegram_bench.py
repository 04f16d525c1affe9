"""Updates per second through the real Telegram Application, next to a bare ConversationHandler.

    .venv/bin/python bench/telegram_bench.py [--chats 1000] [--messages 10]

Both run offline in the same process: a request object answers every Bot API call at once, so
the figures are the bot's own cost. The chats' messages arrive interleaved (every chat's first
message, then every chat's second, ...), as real traffic does.

1. crisisbot: each update goes through the per-chat processor and the handlers into the real core
   (crisis gate, advice guard, flows) and a SQLite file: deduplicated, state read and written,
   replies in the outbox, committed. Then the outbox sender drains the replies (no rate limiter).
2. The same with the core replaced by a fixed reply (storage kept), to show what the Telegram
   layer and durable storage cost by themselves.
3. python-telegram-bot's ``ConversationHandler`` with a three-state flow, state in memory, a reply
   per update sent directly: the baseline that keeps nothing across a restart.

Prints a Markdown table and the ratio for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData

from bot.app import build_service
from bot.config import load_config, use_timedelta_periods
from bot.model import ConversationRecord, Inbound, Outcome, Reply, Route
from bot.storage import Storage
from bot.telegram.application import assemble, build_application
from bot.telegram.handlers import CoreService

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123:abc"
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Crisisbot", "username": "bench_bot"}
MESSAGES = [
    "/start",
    "how does ketamine work",
    "what are the side effects of spravato",
    "how fast does it work",
    "is it covered by insurance",
    "what is treatment resistant depression",
    "tell me about the research",
    "how does it compare with ssris",
    "what happens in a treatment session",
    "thanks!",
]


class InstantRequest(BaseRequest):
    """Answers every Bot API call at once with a plausible result; counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(  # noqa: PLR0917 (BaseRequest.do_request's signature)
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        self.calls += 1
        endpoint = url.rsplit("/", 1)[-1].lower()  # the Bot API ignores the case of names
        params = request_data.parameters if request_data else {}
        result: object = True
        if endpoint == "getme":
            result = BOT_USER
        elif endpoint == "sendmessage":
            chat_id = int(str(params.get("chat_id", 0)))
            result = {
                "message_id": self.calls,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "text": str(params.get("text", "")),
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def interleaved_updates(chats: int, messages: int) -> list[dict[str, Any]]:
    """Message k of every chat before message k+1 of any chat (invented private messages)."""
    batch: list[dict[str, Any]] = []
    for turn in range(messages):
        text = MESSAGES[turn % len(MESSAGES)]
        for chat in range(1, chats + 1):
            message: dict[str, Any] = {
                "message_id": turn + 1,
                "date": 1_700_000_000,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "P", "language_code": "en"},
                "text": text,
            }
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
            batch.append({"update_id": len(batch) + 1, "message": message})
    return batch


class EchoCore:
    """The core replaced by one fixed reply, storage kept: isolates the Telegram layer's cost."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def handle(self, inbound: Inbound, *, deliver_to: str | None = None) -> Outcome | None:
        """Deduplicate, queue one reply, commit (what Service.handle does, minus the core)."""
        with self.storage.conversation(inbound.conversation_id, update_id=inbound.update_id) as tx:
            if tx is None:
                return None
            reply = Reply("noted")
            if deliver_to is not None:
                tx.enqueue(deliver_to, reply)
            record = ConversationRecord(inbound.conversation_id, "echo", "1", "start", 0.0, 0.0)
            return Outcome(Route.ANSWER, (reply,), record)


async def bench_crisisbot(
    payloads: list[dict[str, Any]], folder: Path, *, echo: bool = False
) -> dict[str, float]:
    """The real Application and SQLite storage with the real core (or the echo); then drained."""
    url = f"sqlite:///{folder / ('echo.db' if echo else 'bench.db')}"
    service: CoreService
    if echo:
        storage = Storage.from_url(url)
        storage.ensure_schema()
        service = EchoCore(storage)
    else:
        service, storage, _desk = build_service(
            load_config(ROOT / "config.example.yaml"), storage_url=url
        )
    request = InstantRequest()
    application = build_application(
        TOKEN,
        base_url="http://bench.invalid/bot",
        request=request,
        get_updates_request=InstantRequest(),
        rate_limited=False,
    )
    bot = assemble(application, service, storage, token=TOKEN)
    try:
        async with application:
            updates = [Update.de_json(p, application.bot) for p in payloads]
            started = time.perf_counter()
            results = await asyncio.gather(*(bot.process(u) for u in updates if u))
            processed = time.perf_counter() - started
            assert all(results), "every update must commit"
            drain_started = time.perf_counter()
            sent = await bot.sender.flush(timeout=3600)
            drained = time.perf_counter() - drain_started
    finally:
        storage.close()
    return {
        "updates": len(payloads),
        "process_s": processed,
        "sent": sent,
        "drain_s": drained,
        "requests": request.calls,
    }


def conversation_handler_app(request: InstantRequest) -> Application[Any, Any, Any, Any, Any, Any]:
    """PTB's ConversationHandler: three states in memory, a reply per update (the baseline)."""
    first, second, third = range(3)

    def step(reply: str, next_state: int) -> Any:
        async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            assert update.message is not None
            await update.message.reply_text(reply)
            return next_state

        return callback

    application: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url("http://bench.invalid/bot")
        .request(request)
        .get_updates_request(InstantRequest())
        .updater(None)
        .build()
    )
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", step("menu", first))],
            states={
                first: [MessageHandler(text, step("topic one", second))],
                second: [MessageHandler(text, step("topic two", third))],
                third: [MessageHandler(text, step("topic three", first))],
            },
            fallbacks=[CommandHandler("start", step("menu", first))],
        )
    )
    return application


async def bench_conversation_handler(payloads: list[dict[str, Any]]) -> dict[str, float]:
    """PTB's ConversationHandler: three states in memory, a reply per update."""
    request = InstantRequest()
    application = conversation_handler_app(request)
    async with application:
        updates = [Update.de_json(p, application.bot) for p in payloads]
        started = time.perf_counter()
        for update in updates:
            await application.process_update(update)
        elapsed = time.perf_counter() - started
    return {"updates": len(payloads), "process_s": elapsed, "requests": request.calls}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10)
    args = parser.parse_args()
    payloads = interleaved_updates(args.chats, args.messages)
    with tempfile.TemporaryDirectory() as folder:
        ours = await bench_crisisbot(payloads, Path(folder))
        layer = await bench_crisisbot(payloads, Path(folder), echo=True)
    baseline = await bench_conversation_handler(payloads)

    ours_rate = ours["updates"] / ours["process_s"]
    end_to_end = ours["updates"] / (ours["process_s"] + ours["drain_s"])
    baseline_rate = baseline["updates"] / baseline["process_s"]
    print(f"{args.chats} chats x {args.messages} messages = {len(payloads)} updates, offline")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}\n")
    print("| what | updates/s |")
    print("|---|---:|")
    print(
        f"| crisisbot: processed and committed (gate, flows, SQLite, outbox) | {ours_rate:,.0f} |"
    )
    print(f"| crisisbot: committed and sent ({ours['sent']:.0f} replies) | {end_to_end:,.0f} |")
    layer_rate = layer["updates"] / (layer["process_s"] + layer["drain_s"])
    print(
        f"| Telegram layer and SQLite only (core replaced by an echo), sent | {layer_rate:,.0f} |"
    )
    print(f"| ConversationHandler, three states in memory, reply sent | {baseline_rate:,.0f} |")
    print(
        f"\nratio crisisbot (committed and sent) / ConversationHandler: "
        f"{end_to_end / baseline_rate:.3f}"
    )


if __name__ == "__main__":
    use_timedelta_periods()
    asyncio.run(main())
