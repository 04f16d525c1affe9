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

A pipe or a terminal is read a line at a time, so each answer comes as soon as its line. A file
is read ahead :data:`READ_AHEAD_LINES` lines at a time: the group's texts are encoded in one
batch, then its lines are decided in waves (the first line of each conversation in the group,
then the second, ...), each wave read and written in one transaction. A conversation's lines keep
their order and conversations share nothing, so the output is the same as a line at a time.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import stat
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TextIO

from bot.app import build_lasting_service
from bot.clean_text import clean_text
from bot.config import load_config
from bot.core.service import Service
from bot.model import Inbound, InboundKind, Outcome

MAX_LINE_CHARS = 1_000_000
READ_AHEAD_LINES = 256
"""Lines read ahead from a file so the gate encodes their sentences in one batch."""
IN_MEMORY = "sqlite:///:memory:"
_LOGGER = logging.getLogger(__name__)
_TO_JSON = json.JSONEncoder(ensure_ascii=False).encode


class _Line(NamedTuple):
    """A line that was read: where it is in its group, its number, its user, its inbound."""

    place: int
    number: int
    user: object
    inbound: Inbound


class TriageRun:
    """Conversations of one triage run, kept in an in-memory database."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.clock = time.time()
        self.number = 0  # lines read so far

    def lines(self, raws: list[bytes]) -> list[dict[str, Any]]:
        """The output objects for the next lines of the input, in order.

        Each line is parsed once. With more than one line, their texts are prepared (encoded)
        in one batch, and the lines are decided in waves of at most one line per conversation,
        each wave through :meth:`Service.handle_many` (one read, one transaction).
        """
        results: list[dict[str, Any]] = [{} for _ in raws]
        read: list[_Line] = []
        for place, data in enumerate(raws):
            self.number += 1
            line = self._read(place, self.number, data)
            if isinstance(line, _Line):
                read.append(line)
            else:
                results[place] = line
        if len(read) > 1:
            self._prepare([line.inbound.gate_text() for line in read])
        for wave in _waves(read):
            outcomes = self.service.handle_many(
                [(line.inbound, None) for line in wave], prepare=False
            )
            for line, outcome in zip(wave, outcomes, strict=True):
                results[line.place] = _result(line, outcome)
        return results

    def _prepare(self, texts: list[str]) -> None:
        """Encode the texts of lines about to be triaged in one batch (a cache: no effect on
        the results)."""
        try:
            self.service.prepare(texts)
        except Exception as error:  # only a cache: each line is still triaged on its own
            _LOGGER.warning("could not prepare lines ahead: %s", type(error).__name__)

    def _read(self, place: int, number: int, data: bytes) -> _Line | dict[str, Any]:
        """The line as read, or the error object of a line that cannot be read."""
        try:
            item = _parse(data.decode("utf-8"))
        except UnicodeDecodeError as error:
            return {"error": f"line {number}: not UTF-8 text ({error.reason})"}
        except ValueError as error:
            return {"error": f"line {number}: {error}"}
        user = item.get("user")
        key = clean_text(f"triage:{user}" if user is not None else f"triage:line:{number}")
        self.clock += 1.0  # each line is a new turn, a second apart
        country = item.get("country")
        inbound = Inbound(
            key,
            InboundKind.TEXT,
            text=clean_text(item["text"]),
            country=clean_text(country) if country is not None else None,
            received_at=self.clock,
        )
        shown = user if not isinstance(user, str) else clean_text(user)
        return _Line(place, number, shown, inbound)


def _waves(lines: list[_Line]) -> list[list[_Line]]:
    """``lines`` in waves: the first line of each conversation, then the second, and so on."""
    waves: list[list[_Line]] = []
    seen: dict[str, int] = {}
    for line in lines:
        key = line.inbound.conversation_id
        wave = seen.get(key, 0)
        seen[key] = wave + 1
        if wave == len(waves):
            waves.append([])
        waves[wave].append(line)
    return waves


def _chunks(stdin: BinaryIO) -> Iterator[list[bytes]]:
    """The lines of ``stdin`` in groups: read ahead from a file, one at a time otherwise."""
    if not _is_regular_file(stdin):
        for data in stdin:
            yield [data]
        return
    while chunk := list(islice(stdin, READ_AHEAD_LINES)):
        yield chunk


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


def _result(line: _Line, outcome: Outcome | Exception | None) -> dict[str, Any]:
    if isinstance(outcome, Exception):  # one line's failure must not end the run
        name = type(outcome).__name__
        _LOGGER.error("line %d could not be triaged: %s", line.number, name)
        return {"error": f"line {line.number}: could not be triaged ({name})"}
    assert outcome is not None  # only an update id makes a duplicate, and triage has none
    return {
        "user": line.user,
        "text": line.inbound.text,
        "route": outcome.route.value,
        "risk": outcome.risk.value if outcome.risk else None,
        "category": outcome.category,
        "state": outcome.record.state,
        "reply": "\n\n".join(reply.full_text() for reply in outcome.replies),
    }


def run_triage(config_path: Path | None, stdin: BinaryIO, stdout: TextIO) -> int:
    """Process every line of ``stdin``, one output line each (errors included). Exits 0."""
    service, storage, _desk = build_lasting_service(load_config(config_path), storage_url=IN_MEMORY)
    run = TriageRun(service)
    try:
        for chunk in _chunks(stdin):
            stdout.write("".join(_TO_JSON(result) + "\n" for result in run.lines(chunk)))
        stdout.flush()
    finally:
        storage.close()
        gc.unfreeze()
    return 0
