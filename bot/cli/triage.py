"""``crisisbot triage``: JSON lines in, one JSON line out per input line, in order.

Input: ``{"text": ..., "user": optional id, "country": optional code}`` (other keys ignored).
Output: ``{"user", "text", "route", "risk", "category", "state", "reply"}`` (route: answer,
crisis, check_in, medical_advice, fallback, system), or ``{"error": ...}``
for a line that cannot be read (blank, not JSON, not UTF-8, no text); processing goes on.
Lines with the same ``user`` continue one conversation (kept in memory for the run); a line
without ``user`` is a conversation of its own.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from bot.app import build_core
from bot.config import load_config
from bot.core.models import ConversationRecord, Inbound, InboundKind, Outcome
from bot.core.pipeline import Core

MAX_LINE_CHARS = 1_000_000


class TriageRun:
    """Conversations of one triage run, kept in memory."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.records: dict[str, ConversationRecord] = {}
        self.clock = time.time()

    def line(self, number: int, raw: str) -> dict[str, Any]:
        """The output object for one input line."""
        try:
            item = _parse(raw)
        except ValueError as error:
            return {"error": f"line {number}: {error}"}
        user = item.get("user")
        key = f"triage:{user}" if user is not None else f"triage:line:{number}"
        self.clock += 1.0  # each line is a new turn, a second apart
        inbound = Inbound(
            key,
            InboundKind.TEXT,
            text=item["text"],
            country=item.get("country"),
            received_at=self.clock,
        )
        outcome = self.core.process(self.records.get(key), inbound)
        if user is not None:
            self.records[key] = outcome.record
        return _result(user, item["text"], outcome)


def _parse(raw: str) -> dict[str, Any]:
    if not raw.strip():
        raise ValueError('empty line; expected a JSON object like {"text": "..."}')
    if len(raw) > MAX_LINE_CHARS:
        raise ValueError(f"line is {len(raw)} characters; the limit is {MAX_LINE_CHARS}")
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(item, dict):
        raise ValueError('expected a JSON object like {"text": "..."}')
    if not isinstance(item.get("text"), str):
        raise ValueError('"text" is missing or not a string')
    user = item.get("user")
    if user is not None and (isinstance(user, bool) or not isinstance(user, str | int)):
        raise ValueError('"user" must be a string or an integer')
    country = item.get("country")
    if country is not None and not isinstance(country, str):
        raise ValueError('"country" must be a two-letter code such as "GB"')
    return item


def _result(user: object, text: str, outcome: Outcome) -> dict[str, Any]:
    return {
        "user": user,
        "text": text,
        "route": outcome.route.value,
        "risk": outcome.risk.value if outcome.risk else None,
        "category": outcome.category,
        "state": outcome.record.state,
        "reply": "\n\n".join(reply.full_text() for reply in outcome.replies),
    }


def run_triage(config_path: Path | None, stdin: BinaryIO, stdout: TextIO) -> int:
    """Process every line of ``stdin``, one output line each (errors included). Exits 0."""
    run = TriageRun(build_core(load_config(config_path)))
    for number, data in enumerate(stdin, 1):
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError as error:
            result: dict[str, Any] = {"error": f"line {number}: not UTF-8 text ({error.reason})"}
        else:
            result = run.line(number, raw)
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    stdout.flush()
    return 0
