"""One structured log line per update, without the person's words.

Each line is a JSON object on the ``bot.telegram.updates`` logger: the chat as a keyed hash (the
first 12 hex characters of an HMAC-SHA256 whose key is derived from the bot token, so ids cannot
be recovered by hashing guesses without the token), the update kind, the route and risk the core
chose, what happened, and the latency in milliseconds. The message text is added only when
``telegram.log_text`` is true in the configuration.

Every update is also counted in the Prometheus metrics (:mod:`bot.health.metrics`), whatever the log
level: kind, result, route, risk and latency, never the chat or the text.

python-telegram-bot logs whole payloads in some lines ("Error while parsing updates! Received data
was [...]", and at DEBUG every request's parameters and answer), which hold people's words.
:func:`keep_text_out_of_logs` puts a :class:`LibraryPayloadFilter` on the log handlers that
replaces those payloads unless ``telegram.log_text`` is on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field

from bot.health.metrics import Metrics, default_metrics
from bot.model import Outcome
from bot.telegram.results import UpdateResult

UPDATE_LOGGER = "bot.telegram.updates"
CHAT_HASH_CHARS = 12
_HASHES_KEPT = 4096  # chat hashes remembered (busy chats write often); forgotten all at once
LIBRARY_LOGGER = "telegram"
NOT_LOGGED = "<not logged: telegram.log_text is off>"
# Lines of python-telegram-bot whose arguments are Bot API payloads (people's words included).
_PAYLOAD_MARKERS = ("Received data", "parameters", "return value", "Getting updates", "%r")
_OWN_LOGGERS = "bot"
_QUIET_LOGGERS = ("httpx", "httpcore")  # their INFO lines would show request URLs (the token)


def configure_logging() -> None:
    """``crisisbot run``'s processes: per-update and start/stop lines at INFO; HTTP client
    internals stay quiet."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger(_OWN_LOGGERS).setLevel(logging.INFO)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class LibraryPayloadFilter(logging.Filter):
    """Replaces the payloads in python-telegram-bot's log lines; the line itself stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; blank the arguments of a library line that prints payloads."""
        if record.name != LIBRARY_LOGGER and not record.name.startswith(LIBRARY_LOGGER + "."):
            return True
        message = record.msg if isinstance(record.msg, str) else ""
        if record.args and (
            record.levelno <= logging.DEBUG or any(m in message for m in _PAYLOAD_MARKERS)
        ):
            count = len(record.args) if isinstance(record.args, tuple) else 1
            record.args = (NOT_LOGGED,) * count
        return True


def keep_text_out_of_logs(
    log_text: bool, handlers: list[logging.Handler] | None = None
) -> LibraryPayloadFilter | None:
    """Filter the library's payloads out of ``handlers`` (default: the root logger's).

    Nothing is filtered when ``log_text`` is on, as the operator asked for the words.
    """
    if log_text:
        return None
    payloads = LibraryPayloadFilter()
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        handler.addFilter(payloads)
    return payloads


def hash_key_from_token(token: str) -> bytes:
    """A per-install key for chat hashes, derived from (and not revealing) the bot token."""
    return hashlib.sha256(b"crisisbot chat hash\x00" + token.encode("utf-8")).digest()


@dataclass(frozen=True, slots=True)
class UpdateLog:
    """Writes the per-update line; ``log_text`` adds the person's words (off by default)."""

    hash_key: bytes
    log_text: bool = False
    logger: logging.Logger = logging.getLogger(UPDATE_LOGGER)  # noqa: RUF009 (shared logger)
    metrics: Metrics = field(default_factory=default_metrics)
    _hashes: dict[int, str] = field(default_factory=dict, repr=False, compare=False)

    def chat_hash(self, chat_id: int | None) -> str:
        """The chat id as a short keyed hash; ``-`` when the update has no chat."""
        if chat_id is None:
            return "-"
        known = self._hashes.get(chat_id)
        if known is None:
            digest = hmac.new(self.hash_key, str(chat_id).encode("ascii"), hashlib.sha256)
            known = digest.hexdigest()[:CHAT_HASH_CHARS]
            if len(self._hashes) >= _HASHES_KEPT:
                self._hashes.clear()
            self._hashes[chat_id] = known
        return known

    def record(
        self,
        *,
        update_id: int,
        chat_id: int | None,
        kind: str,
        result: UpdateResult,
        latency_ms: float,
        outcome: Outcome | None = None,
        text: str | None = None,
    ) -> None:
        """Log one update: ``result`` is handled, duplicate, group_notice, ignored:… or failed."""
        self.metrics.observe_update(
            kind=kind,
            result=result,
            latency_seconds=latency_ms / 1000.0,
            route=outcome.route.value if outcome is not None else None,
            risk=outcome.risk.value if outcome is not None and outcome.risk else None,
        )
        if not self.logger.isEnabledFor(logging.INFO):
            return
        route = outcome.route.value if outcome is not None else None
        risk = outcome.risk.value if outcome is not None and outcome.risk else None
        # The JSON object written out by hand, key by key, as json.dumps(..., ensure_ascii=False,
        # separators=(",", ":")) writes it: the dict and the encoder's walk were most of the
        # line's cost, and the line is written for every update.
        line = (
            f'{{"event":"update","update_id":{int(update_id)},'
            f'"chat":{_quote(self.chat_hash(chat_id))},"kind":{_quote(kind)},'
            f'"result":{_quote(result)},"route":{_quote_or_null(route)},'
            f'"risk":{_quote_or_null(risk)},"latency_ms":{float(round(latency_ms, 1))!r}'
        )
        if self.log_text and text is not None:
            line += f',"text":{_quote(text)}'
        self.logger.info("%s", line + "}")


def _quote(value: str) -> str:
    """``value`` as a JSON string, non-ASCII kept (as ``json.dumps(..., ensure_ascii=False)``)."""
    return json.encoder.encode_basestring(value)


def _quote_or_null(value: str | None) -> str:
    return "null" if value is None else _quote(value)
