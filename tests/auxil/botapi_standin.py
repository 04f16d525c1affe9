"""A small stand-in of the Telegram Bot API, served on 127.0.0.1 for end-to-end tests.

It speaks enough of the Bot API for crisisbot: ``getMe``, ``getUpdates`` (long poll, offset
confirms), ``setWebhook``, ``deleteWebhook``, ``getWebhookInfo``, ``sendMessage``,
``editMessageText`` and ``answerCallbackQuery``. Tests inject updates for polling with
:meth:`BotApiStandIn.push_update`, post them to the bot's webhook with
:meth:`BotApiStandIn.post_to_webhook`, read what the bot called with :meth:`BotApiStandIn.calls`,
and make the next ``sendMessage`` calls fail with :meth:`BotApiStandIn.fail_next_sends` (any other
method's with :meth:`BotApiStandIn.fail_next_calls`).

:func:`offline_transport` serves the same answers in-process for offline unit tests.

Requests come form-encoded with JSON-encoded values (what python-telegram-bot sends) or as a JSON
body; both are read. A token other than the configured one gets 401, as Telegram answers.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

import httpx

from tests.auxil.updates import BOT_USER_ID, BOT_USERNAME

# Fields that stay strings even when they look like JSON (a text "42" is not the number 42).
_STRING_FIELDS = frozenset(
    {"text", "url", "secret_token", "callback_query_id", "parse_mode", "inline_message_id"}
)
_LONGEST_POLL_SECONDS = 30.0
# The methods the stand-in knows, by their name in lower case (the Bot API ignores case).
_METHODS = {
    name.lower(): name
    for name in (
        "answerCallbackQuery",
        "deleteWebhook",
        "editMessageText",
        "getMe",
        "getUpdates",
        "getWebhookInfo",
        "sendMessage",
        "setMyCommands",
        "setWebhook",
    )
}
_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
}


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request the bot made: the method name, its decoded parameters, and when (epoch)."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.time)


@dataclass(slots=True)
class _Failure:
    status: int
    retry_after: int | None


def decode_params(content_type: str, body: bytes) -> dict[str, Any]:
    """The request's parameters from a JSON body or a form whose values are JSON-encoded."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        decoded = json.loads(body)
        return dict(decoded) if isinstance(decoded, dict) else {}
    params: dict[str, Any] = {}
    for key, raw in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        if key in _STRING_FIELDS:
            params[key] = raw
            continue
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


class BotApiStandIn:
    """The stand-in server; use as a context manager or call :meth:`start` and :meth:`stop`."""

    def __init__(self, token: str = "123:abc") -> None:
        self.token = token
        self._lock = threading.Condition()
        self._calls: list[ApiCall] = []
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(500_000)
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(100_000)
        )
        self._failures: list[_Failure | None] = []  # per coming sendMessage; None lets it pass
        self._method_failures: defaultdict[str, list[int]] = defaultdict(list)
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve on a free port of 127.0.0.1 in a background thread."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release long polls and stop serving."""
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the stand-in listens on."""
        assert self._server is not None, "start() the stand-in first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What ``TELEGRAM_API_BASE_URL`` should be: the token is appended to it."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ---- what tests do -----------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for ``getUpdates``; returns its ``update_id`` (assigned when absent)."""
        with self._lock:
            update.setdefault("update_id", next(self._update_ids))
            self._pending.append(update)
            self._pending.sort(key=lambda item: int(item["update_id"]))
            self._lock.notify_all()
            return int(update["update_id"])

    def pending_updates(self) -> list[int]:
        """``update_id`` of the updates not yet confirmed by a later ``getUpdates`` offset."""
        with self._lock:
            return [int(update["update_id"]) for update in self._pending]

    def post_to_webhook(
        self, update: dict[str, Any], *, secret: str | None = None, use_secret: bool = True
    ) -> int:
        """POST an update to the webhook the bot registered, as Telegram does; returns the status.

        The registered secret is sent unless ``use_secret`` is false or ``secret`` overrides it.
        """
        with self._lock:
            url, registered = self.webhook_url, self.webhook_secret
        assert url, "the bot has not called setWebhook"
        headers = {}
        token = secret if secret is not None else registered
        if use_secret and token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        response = httpx.post(url, json=update, headers=headers, timeout=30)
        return response.status_code

    def fail_next_sends(
        self, count: int, *, status: int = 429, retry_after: int = 1, after: int = 0
    ) -> None:
        """Let ``after`` sendMessage calls through, then fail ``count``: 429 or ``status``."""
        with self._lock:
            wait = retry_after if status == HTTPStatus.TOO_MANY_REQUESTS else None
            self._failures.extend([None] * after)
            self._failures.extend(_Failure(status, wait) for _ in range(count))

    def fail_next_calls(self, method: str, count: int, *, status: int = 502) -> None:
        """Answer the next ``count`` calls of ``method`` (other than getUpdates) with ``status``."""
        with self._lock:
            self._method_failures[method].extend([status] * count)

    def clear_failures(self) -> None:
        """Let every coming sendMessage through again."""
        with self._lock:
            self._failures.clear()

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every request so far, or only those of ``method``."""
        with self._lock:
            return [call for call in self._calls if method is None or call.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The parameters of every successful sendMessage, optionally of one chat."""
        return [
            call.params
            for call in self.calls("sendMessage")
            if "_failed" not in call.params
            and (chat_id is None or int(call.params["chat_id"]) == chat_id)
        ]

    def sent_texts(self, chat_id: int) -> list[str]:
        """The texts the bot sent to one chat, in order."""
        return [str(params["text"]) for params in self.sent_messages(chat_id)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        """Check ``predicate`` until it holds; fail the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"condition not met within {timeout}s; calls: {self._calls}"
                    )
                # Woken by every request; the timeout re-checks what other threads change.
                self._lock.wait(timeout=min(remaining, 0.2))

    # ---- the Bot API -------------------------------------------------------------------------

    def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API request: the HTTP status and the JSON body."""
        if token != self.token:
            return _error(HTTPStatus.UNAUTHORIZED, "Unauthorized")
        method = _METHODS.get(method.lower(), method)  # Telegram reads names case-insensitively
        if method == "getUpdates":
            return self._get_updates(params)
        with self._lock:
            failing = self._method_failures.get(method)
            if failing:
                status = failing.pop(0)
                self._record(method, {**params, "_failed": status})
                return _error(status, _DESCRIPTIONS.get(status, "Bad Gateway"))
            failure = self._failures.pop(0) if method == "sendMessage" and self._failures else None
            if failure is not None:
                self._record(method, {**params, "_failed": failure.status})
                if failure.retry_after is not None:
                    description = f"Too Many Requests: retry after {failure.retry_after}"
                    return _error(failure.status, description, retry_after=failure.retry_after)
                return _error(failure.status, _DESCRIPTIONS.get(failure.status, "Server Error"))
            self._record(method, params)
            answer = self._answer(method, params)
        if answer is None:
            return _error(HTTPStatus.NOT_FOUND, "Not Found")
        return HTTPStatus.OK, {"ok": True, "result": answer}

    def _record(self, method: str, params: dict[str, Any]) -> None:
        self._calls.append(ApiCall(method, params))
        self._lock.notify_all()

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_USER_ID,
                "is_bot": True,
                "first_name": "Crisisbot",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "setWebhook":
            self.webhook_url = str(params["url"])
            self.webhook_secret = params.get("secret_token")
            return True
        if method == "deleteWebhook":
            self.webhook_url, self.webhook_secret = "", None
            if params.get("drop_pending_updates"):
                self._pending.clear()
            return True
        if method == "getWebhookInfo":
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
        if method in {"sendMessage", "editMessageText"}:
            return self._message(params)
        if method in {"answerCallbackQuery", "setMyCommands"}:
            return True
        return None

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message_id = params.get("message_id") or next(self._message_ids[chat_id])
        message: dict[str, Any] = {
            "message_id": int(message_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_USER_ID, "is_bot": True, "first_name": "Crisisbot"},
            "text": params.get("text", ""),
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), _LONGEST_POLL_SECONDS)
        deadline = time.monotonic() + timeout
        with self._lock:
            self._record("getUpdates", params)
            if self.webhook_url:
                return _error(
                    HTTPStatus.CONFLICT,
                    "Conflict: can't use getUpdates method while webhook is active",
                )
            if offset:
                self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]
            while not self._pending and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(timeout=remaining)
            batch = self._pending[:limit]
        return HTTPStatus.OK, {"ok": True, "result": batch}


def offline_transport(standin: BotApiStandIn) -> httpx.MockTransport:
    """An httpx transport that answers from ``standin`` in-process, with no server or socket.

    For offline tests: ``HTTPXRequest(httpx_kwargs={"transport": offline_transport(s)})``. Long
    polls would block the event loop, so ``getUpdates`` here must use ``timeout=0``.
    """

    def answer(request: httpx.Request) -> httpx.Response:
        prefix, _, method = request.url.path.rpartition("/")
        params = decode_params(request.headers.get("content-type", ""), request.content)
        status, body = standin.handle(prefix.removeprefix("/bot"), method, params)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(answer)


def _error(status: int, description: str, *, retry_after: int | None = None) -> tuple[int, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": int(status), "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return int(status), body


def _make_handler(standin: BotApiStandIn) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one stand-in."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if len(body) < length:
                return  # the client died mid-request (a killed bot): Telegram would see nothing
            # Paths look like /bot<token>/<method>.
            prefix, _, method = self.path.partition("?")[0].rpartition("/")
            token = prefix.removeprefix("/bot")
            params = decode_params(self.headers.get("Content-Type", ""), body)
            status, answer = standin.handle(token, method, params)
            payload = json.dumps(answer).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the bot gave up on a long poll (it is stopping): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read calls through the stand-in, not from stderr."""

    return Handler
