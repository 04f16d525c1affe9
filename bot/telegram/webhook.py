"""The webhook: an ASGI app that answers Telegram only after the update is committed.

python-telegram-bot's own webhook server answers 200 before the update is processed, so a crash
right after loses it and Telegram does not send it again. Here ``POST <path>``:

- 403 unless ``X-Telegram-Bot-Api-Secret-Token`` matches the secret (constant-time compare);
- 413 for a body over :data:`MAX_BODY_BYTES`, 400 for one that is not an update: nothing changes;
- otherwise runs the update through the same processor and handlers as polling and answers 200
  once its state change and replies are committed (a re-sent, already processed update also gets
  200), or 500 if they could not be stored, so that Telegram sends it again.

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

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
MAX_BODY_BYTES = 1024 * 1024

_LOGGER = logging.getLogger(__name__)


def create_webhook_app(
    *,
    bot: Bot,
    secret: str,
    process: Callable[[Update], Awaitable[bool]],
    storage_ready: Callable[[], object],
    path: str = "/telegram",
    metrics: Metrics | None = None,
) -> Starlette:
    """The Starlette app; ``process`` returns ``True`` once the update is committed.

    ``storage_ready`` is called in a worker thread by ``/readyz`` and raises when storage is
    unreachable. ``metrics`` defaults to the process's (:func:`bot.health.metrics.default_metrics`).
    """
    expected = secret.encode("utf-8")
    observed = metrics or default_metrics()

    async def receive_update(request: Request) -> Response:
        """Telegram delivers one update."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("forbidden", status_code=403)
        body = await _read_limited(request)
        if body is None:
            return PlainTextResponse("update too large", status_code=413)
        update = _parse_update(body, bot, observed)
        if update is None:
            return PlainTextResponse("not a Telegram update", status_code=400)
        if not await process(update):
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

    async def metrics_page(request: Request) -> Response:
        """Prometheus scrapes this replica (the database's figures are read in a thread)."""
        return Response(await asyncio.to_thread(observed.render), media_type=CONTENT_TYPE)

    return Starlette(
        routes=[
            Route(path, receive_update, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_page, methods=["GET"]),
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


def _parse_update(body: bytes, bot: Bot, metrics: Metrics) -> Update | None:
    """The update in ``body``, or ``None`` when it is not JSON or not an update.

    Whatever python-telegram-bot cannot read is refused (400) and counted like the poller's
    skipped updates, never retried: Telegram would send it again and again.
    """
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        return Update.de_json(data, bot)
    except Exception as error:  # any field the library requires and the update lacks
        metrics.unreadable.inc()
        _LOGGER.warning(
            "refused update %s: python-telegram-bot could not read it (%s)",
            data["update_id"],
            type(error).__name__,
        )
        return None
