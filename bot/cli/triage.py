"""``crisisbot triage``: JSON lines in, one JSON line out per input line, in order.

Input: ``{"text": ..., "user": optional id, "country": optional code}`` (other keys ignored).
Output: ``{"user", "text", "route", "risk", "category", "state", "reply"}`` (route: answer,
crisis, check_in, medical_advice, fallback, system), or ``{"error": ...}``
for a line that cannot be read (blank, not JSON, not UTF-8, no text); processing goes on.
Lines with the same ``user`` continue one conversation (kept in memory for the run); a line
without ``user`` is a conversation of its own.

Each line goes through the same wiring as ``crisisbot run`` and ``chat``
(:func:`bot.app.build_service`) on an in-memory database. Text holding an unpaired surrogate
(``"\ud83d"``) or NUL is cleaned the way the Telegram adapter cleans it (:mod:`bot.clean_text`)
and then triaged; the output's ``text`` is the cleaned text. A line that still cannot be triaged
gets an ``{"error": ...}`` line naming the kind of failure, and the run goes on.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from bot.app import build_service
from bot.clean_text import clean_text
from bot.config import load_config
from bot.core.service import Service
from bot.model import Inbound, InboundKind, Outcome

MAX_LINE_CHARS = 1_000_000
READ_AHEAD_LINES = 64
"""Lines read ahead from a file so the gate encodes their sentences in one batch."""
IN_MEMORY = "sqlite:///:memory:"
_LOGGER = logging.getLogger(__name__)


class TriageRun:
    """Conversations of one triage run, kept in an in-memory database."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.clock = time.time()

    def prepare(self, raws: list[bytes]) -> None:
        """Encode the texts of lines about to be triaged in one batch (a cache: no effect on
        the results). A line that cannot be read is left for :meth:`line` to report."""
        texts = []
        for data in raws:
            try:
                texts.append(clean_text(_parse(data.decode("utf-8"))["text"]))
            except (UnicodeDecodeError, ValueError):
                continue
        try:
            self.service.prepare(texts)
        except Exception as error:  # only a cache: each line is still triaged on its own
            _LOGGER.warning("could not prepare lines ahead: %s", type(error).__name__)

    def line(self, number: int, raw: str) -> dict[str, Any]:
        """The output object for one input line."""
        try:
            item = _parse(raw)
        except ValueError as error:
            return {"error": f"line {number}: {error}"}
        user = item.get("user")
        key = clean_text(f"triage:{user}" if user is not None else f"triage:line:{number}")
        self.clock += 1.0  # each line is a new turn, a second apart
        text = clean_text(item["text"])
        country = item.get("country")
        inbound = Inbound(
            key,
            InboundKind.TEXT,
            text=text,
            country=clean_text(country) if country is not None else None,
            received_at=self.clock,
        )
        try:
            outcome = self.service.handle(inbound)
        except Exception as error:  # one line's failure must not end the run
            _LOGGER.error("line %d could not be triaged: %s", number, type(error).__name__)
            return {"error": f"line {number}: could not be triaged ({type(error).__name__})"}
        assert outcome is not None  # only an update id makes a duplicate, and triage has none
        return _result(user if not isinstance(user, str) else clean_text(user), text, outcome)


def _lines(stdin: BinaryIO, run: TriageRun) -> Iterator[bytes]:
    """The lines of ``stdin``; from a file, read ahead in groups that ``run`` prepares at once.

    A pipe or a terminal is read a line at a time, so each answer comes as soon as its line.
    """
    if not _is_regular_file(stdin):
        yield from stdin
        return
    while chunk := list(islice(stdin, READ_AHEAD_LINES)):
        run.prepare(chunk)
        yield from chunk


def _is_regular_file(stream: BinaryIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return False


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
    service, storage, _desk = build_service(load_config(config_path), storage_url=IN_MEMORY)
    run = TriageRun(service)
    try:
        for number, data in enumerate(_lines(stdin, run), 1):
            try:
                raw = data.decode("utf-8")
            except UnicodeDecodeError as error:
                result: dict[str, Any] = {
                    "error": f"line {number}: not UTF-8 text ({error.reason})"
                }
            else:
                result = run.line(number, raw)
            stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()
    finally:
        storage.close()
    return 0
