"""One structured log line per update, without the person's words.

Each line is a JSON object on the ``bot.telegram.updates`` logger: the chat as a keyed hash (the
first 12 hex characters of an HMAC-SHA256 whose key is derived from the bot token, so ids cannot
be recovered by hashing guesses without the token), the update kind, the route and risk the core
chose, what happened, and the latency in milliseconds. The message text is added only when
``telegram.log_text`` is true in the configuration.

Every update is also counted in the Prometheus metrics (:mod:`bot.metrics`), whatever the log
level: kind, result, route, risk and latency, never the chat or the text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field

from bot.core.models import Outcome
from bot.metrics import Metrics, default_metrics

UPDATE_LOGGER = "bot.telegram.updates"
CHAT_HASH_CHARS = 12


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

    def chat_hash(self, chat_id: int | None) -> str:
        """The chat id as a short keyed hash; ``-`` when the update has no chat."""
        if chat_id is None:
            return "-"
        digest = hmac.new(self.hash_key, str(chat_id).encode("ascii"), hashlib.sha256)
        return digest.hexdigest()[:CHAT_HASH_CHARS]

    def record(
        self,
        *,
        update_id: int,
        chat_id: int | None,
        kind: str,
        result: str,
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
        line: dict[str, object] = {
            "event": "update",
            "update_id": update_id,
            "chat": self.chat_hash(chat_id),
            "kind": kind,
            "result": result,
            "route": outcome.route.value if outcome is not None else None,
            "risk": outcome.risk.value if outcome is not None and outcome.risk else None,
            "latency_ms": round(latency_ms, 1),
        }
        if self.log_text and text is not None:
            line["text"] = text
        self.logger.info("%s", json.dumps(line, ensure_ascii=False, separators=(",", ":")))
