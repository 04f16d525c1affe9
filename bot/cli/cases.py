"""``crisisbot cases``: the moderators' queue from the command line, without Telegram.

    crisisbot cases list [--all] [--config FILE]
    crisisbot cases show ID [--transcript] [--by NAME] [--config FILE]
    crisisbot cases resolve ID --reason TEXT [--by NAME] [--config FILE]
    crisisbot cases export --format csv|json [-o FILE] [--config FILE]
    crisisbot cases purge [--config FILE]

Exit codes: 0 done; 1 no such case (or it was already resolved); 2 the configuration or the
storage is unusable. Exports hold case metadata only, never message text. Reading a transcript
with ``show --transcript`` is recorded in the audit log under ``cli:<NAME>``.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from bot.cli.main import ConfigOption

if TYPE_CHECKING:
    from bot.config import Config
    from bot.storage import Storage

cases_app = typer.Typer(
    help="Moderation cases: list, show, resolve, export, purge.", no_args_is_help=True
)

TIME_FIELDS = ("opened_at", "updated_at", "resolved_at")


class ExportFormat(StrEnum):
    """Formats of ``crisisbot cases export``."""

    CSV = "csv"
    JSON = "json"


ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who acts, for the audit log (default: your login name)."),
]


def register(app: typer.Typer) -> None:
    """Add the ``cases`` commands to the ``crisisbot`` command line."""
    app.add_typer(cases_app, name="cases")


@cases_app.command("list")
def list_cases(
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Include resolved cases.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Open cases, most urgent and then oldest first."""
    from bot.moderation import CaseBook
    from bot.moderation.texts import risk_label, waited, when

    with _storage(config) as (storage, _settings):
        found = CaseBook(storage).cases(include_resolved=include_resolved)
    if not found:
        print("no open cases" if not include_resolved else "no cases")
        return
    now = datetime.now(UTC).timestamp()
    for case in found:
        taken = f" taken by {case.claimed_by}" if case.claimed_by is not None else ""
        print(
            f"#{case.id} {risk_label(case.risk)} [{case.status.value}]{taken} "
            f"{case.category or 'asked for a human'}; opened {when(case.opened_at)} "
            f"({waited(case.opened_at, now)} ago); alerts {case.alert_count}"
        )


@cases_app.command("show")
def show(
    case_id: Annotated[int, typer.Argument(help="The case number.")],
    transcript: Annotated[
        bool, typer.Option("--transcript", help="Print the transcript too (audited).")
    ] = False,
    by: ByOption = None,
    config: ConfigOption = None,
) -> None:
    """One case: its metadata, audit trail and, with --transcript, its messages."""
    from bot.moderation import CaseBook
    from bot.moderation.texts import case_card, when

    with _storage(config) as (storage, _settings):
        book = CaseBook(storage)
        case = book.case(case_id)
        if case is None:
            _fail(f"there is no case {case_id}; `crisisbot cases list --all` lists them")
        lines = book.transcript(case_id, viewer=f"cli:{_actor(by)}") if transcript else []
        kept = len(lines) if transcript else book.line_count(case_id)
        trail = book.audit_trail(case_id)
    print(case_card(case, lines=kept, now=datetime.now(UTC).timestamp()).text)
    print("audit:")
    for entry in trail:
        verdict = "" if entry.allowed else " REFUSED"
        print(f"  {when(entry.at)} {entry.actor_id} {entry.action}{verdict}: {entry.detail or ''}")
    if transcript:
        print("transcript:" if lines else "transcript: none kept")
        for line in lines:
            print(f"  {when(line.at)} {line.who.value}: {line.text}")


@cases_app.command("resolve")
def resolve(
    case_id: Annotated[int, typer.Argument(help="The case number.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the case is resolved.")],
    by: ByOption = None,
    config: ConfigOption = None,
) -> None:
    """Resolve a case: the person's crisis mode ends and they are told (when reachable)."""
    from bot.app import build_core
    from bot.moderation import CaseBook, ModerationDesk

    if not reason.strip():
        _fail("--reason must say why the case is resolved")
    with _storage(config) as (storage, settings):
        case = CaseBook(storage).case(case_id)
        if case is None:
            _fail(f"there is no case {case_id}; `crisisbot cases list --all` lists them")
        if not case.is_open:
            _fail(f"case {case_id} was already resolved by {case.resolved_by}")
        desk = ModerationDesk(storage, build_core(settings), settings.moderation)
        result = desk.resolve(case_id, by=_actor(by), reason=reason)
    print(result.notice)


@cases_app.command("export")
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv or json.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Every case's metadata (no message text), for reports."""
    from bot.moderation import CaseBook

    with _storage(config) as (storage, _settings):
        found = CaseBook(storage).cases(include_resolved=True)
    rows = [_export_row(case.metadata()) for case in found]
    text = _to_csv(rows) if fmt is ExportFormat.CSV else json.dumps(rows, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror}; choose a writable path", code=2)
    print(f"{len(rows)} case(s) written to {output}", file=sys.stderr)


@cases_app.command("purge")
def purge(config: ConfigOption = None) -> None:
    """Remove transcripts older than moderation.retention_days (run daily, e.g. from cron)."""
    from bot.moderation.upkeep import purge_transcripts

    with _storage(config) as (storage, settings):
        days = settings.moderation.retention_days
        removed = purge_transcripts(storage, days, now=datetime.now(UTC).timestamp())
    print(f"{removed} transcript line(s) older than {days} days removed")


# -- helpers -------------------------------------------------------------------------------------


@contextmanager
def _storage(config_path: Path | None) -> Iterator[tuple[Storage, Config]]:
    """The configured storage (schema checked, never migrated here) and the configuration."""
    from bot.config import load_config
    from bot.storage import Storage

    settings = load_config(config_path)
    storage = Storage.from_url(settings.storage.url)
    try:
        storage.check_schema()
        yield storage, settings
    finally:
        storage.close()


def _actor(by: str | None) -> str:
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def _export_row(metadata: dict[str, Any]) -> dict[str, Any]:
    row = dict(metadata)
    for name in TIME_FIELDS:
        value = row.get(name)
        row[name] = datetime.fromtimestamp(value, UTC).isoformat() if value is not None else None
    return row


def _to_csv(rows: Sequence[dict[str, Any]]) -> str:
    from bot.moderation.models import METADATA_FIELDS

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(METADATA_FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _fail(message: str, *, code: int = 1) -> NoReturn:
    print(f"crisisbot: {message}", file=sys.stderr)
    raise typer.Exit(code)


__all__ = ["cases_app", "register"]
