"""The webhook: an ASGI app that answers Telegram only after the update is committed.

python-telegram-bot's own webhook server answers 200 before the update is stored, so a crash
right after loses it and Telegram does not send it again. Here ``POST <path>``:

- 403 unless ``X-Telegram-Bot-Api-Secret-Token`` matches the secret (constant-time compare);
- 413 for a body over :data:`MAX_BODY_BYTES`, 400 for one that is not an update: nothing changes;
- otherwise hands the update to ``process`` and answers 200 once it returns ``True``: in
  ``crisisbot run`` that is once the update's JSON is committed to the inbox, with the other
  requests arriving meanwhile (one transaction), and the inbox's decider decides it afterwards
  (:mod:`bot.telegram.inbox`); a re-sent update also gets 200 and is decided once. 500 if it
  could not be stored, so that Telegram sends it again.

``GET /healthz`` says the process is up; ``GET /readyz`` says whether storage answers;
``GET /metrics`` serves the Prometheus metrics (:mod:`bot.health.metrics`).

The secret comes from ``TELEGRAM_WEBHOOK_SECRET``; without it, :func:`bot.config.webhook_secret`
derives a stable one from the bot token (HMAC-SHA256, hex), which ``crisisbot run`` registers with
``setWebhook``. Set the variable explicitly when a proxy or another tool must know the secret.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Bot, Update

from bot.health.metrics import CONTENT_TYPE, Metrics, default_metrics
from bot.telegram.inbox import UpdateSink

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
MAX_BODY_BYTES = 1024 * 1024

_LOGGER = logging.getLogger(__name__)


def create_webhook_app(
    *,
    bot: Bot,
    secret: str,
    process: UpdateSink,
    storage_ready: Callable[[], object],
    path: str = "/telegram",
    metrics: Metrics | None = None,
    metrics_page: Callable[[], Awaitable[bytes]] | None = None,
    on_unreadable: Callable[[], None] | None = None,
) -> Starlette:
    """The Starlette app; ``process`` returns ``True`` once the update is committed (stored).

    ``storage_ready`` is called in a worker thread by ``/readyz`` and raises when storage is
    unreachable. ``metrics`` defaults to the process's (:func:`bot.health.metrics.default_metrics`):
    ``/metrics`` renders it and an unreadable update is counted there, unless ``metrics_page``
    and ``on_unreadable`` say otherwise (the acceptor process asks the bot's process for both,
    :mod:`bot.telegram.acceptor`).
    """
    expected = secret.encode("utf-8")
    observed = metrics or default_metrics()
    count_unreadable = on_unreadable or observed.unreadable.inc

    async def render_page() -> bytes:
        return await asyncio.to_thread(observed.render)

    page = metrics_page or render_page

    async def receive_update(request: Request) -> Response:
        """Telegram delivers one update."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("forbidden", status_code=403)
        body = await _read_limited(request)
        if body is None:
            return PlainTextResponse("update too large", status_code=413)
        parsed = _parse_update(body, bot, count_unreadable)
        if parsed is None:
            return PlainTextResponse("not a Telegram update", status_code=400)
        update, raw = parsed
        if not await process(update, raw):
            return PlainTextResponse("not stored; send again", status_code=500)
        return PlainTextResponse("ok")

    async def healthz(request: Request) -> Response:
        """The process is up."""
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        """Storage answers, so updates can be committed."""
        try:
            await asyncio.to_thread(storage_ready)
        except Exception as error:
            _LOGGER.warning("readiness check failed: %s", error)
            return JSONResponse({"ready": False, "reason": "storage unreachable"}, status_code=503)
        return JSONResponse({"ready": True})

    async def serve_metrics_page(request: Request) -> Response:
        """Prometheus scrapes this replica (the database's figures are read in a thread)."""
        return Response(await page(), media_type=CONTENT_TYPE)

    return Starlette(
        routes=[
            Route(path, receive_update, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", serve_metrics_page, methods=["GET"]),
        ]
    )


async def _read_limited(request: Request) -> bytes | None:
    """The body, or ``None`` once it grows past :data:`MAX_BODY_BYTES`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_update(
    body: bytes, bot: Bot, count_unreadable: Callable[[], None]
) -> tuple[Update, str] | None:
    """The update in ``body`` and its JSON as text, or ``None`` when it is not JSON or not an
    update.

    Whatever python-telegram-bot cannot read is refused (400) and counted like the poller's
    skipped updates, never retried: Telegram would send it again and again.
    """
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    # Kept before python-telegram-bot reads it, in ASCII: a lone surrogate in a text is valid
    # JSON but no UTF-8, and the database could not store it as it came.
    raw = json.dumps(data, separators=(",", ":"))
    try:
        update = Update.de_json(data, bot)
    except Exception as error:  # any field the library requires and the update lacks
        count_unreadable()
        _LOGGER.warning(
            "refused update %s: python-telegram-bot could not read it (%s)",
            data["update_id"],
            type(error).__name__,
        )
        return None
    return None if update is None else (update, raw)
