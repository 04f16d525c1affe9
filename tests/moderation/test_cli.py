"""``crisisbot cases``: list, show, resolve, export and purge against a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.cases import register
from bot.config import load_config
from bot.core.service import Service
from bot.errors import StorageError
from bot.moderation import CaseStatus, ModerationDesk
from bot.moderation.models import METADATA_FIELDS
from bot.storage import Storage
from tests.auxil.moderation_people import (
    CONCERN_TEXT,
    HIGH_TEXT,
    MOD_CHAT,
    MODERATORS,
    ROOT,
    Clock,
    Person,
)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A config with a SQLite file and a moderators' chat."""
    path = tmp_path / "crisisbot.yaml"
    path.write_text(
        f"flows_dir: {ROOT / 'flows'}\n"
        f"storage:\n  url: sqlite:///{tmp_path / 'cli.db'}\n"
        f"moderation:\n  chat_id: {MOD_CHAT}\n  moderators: [{MODERATORS[0]}]\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def seeded(config_file: Path, core: Any) -> Iterator[ModerationDesk]:
    """Two people's cases in the configured database: high (case 1) and concern (case 2)."""
    config = load_config(config_file)
    storage = Storage.from_url(config.storage.url)
    storage.upgrade()
    clock = Clock()
    desk = ModerationDesk(storage, core, config.moderation, clock=clock)
    service = Service(core, storage, listeners=[desk.listener()])
    Person(service, clock, chat="71").say(CONCERN_TEXT)
    Person(service, clock, chat="72").say(HIGH_TEXT)
    yield desk
    storage.close()


def invoke(config_file: Path, *args: str) -> Any:
    """Run ``crisisbot cases ARGS --config FILE``."""
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """The crisisbot command line (test copy)."""

    return CliRunner().invoke(app, ["cases", *args, "--config", str(config_file)])


def test_list_shows_open_cases_most_urgent_first(config_file: Path, seeded: Any) -> None:
    result = invoke(config_file, "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("#2 HIGH RISK [open]")
    assert lines[1].startswith("#1 CONCERN [open]")


def test_show_prints_the_case_and_audits_a_transcript_read(
    config_file: Path, seeded: ModerationDesk
) -> None:
    plain = invoke(config_file, "show", "2")
    assert plain.exit_code == 0, plain.output
    assert "HIGH RISK · case 2 · open" in plain.stdout
    assert HIGH_TEXT not in plain.stdout
    with_text = invoke(config_file, "show", "2", "--transcript", "--by", "alice")
    assert HIGH_TEXT in with_text.stdout
    assert ("cli:alice", "transcript") in {
        (entry.actor_id, entry.action) for entry in seeded.book.audit_trail(2)
    }


def test_resolve_records_who_and_why_and_ends_crisis_mode(
    config_file: Path, seeded: ModerationDesk
) -> None:
    result = invoke(config_file, "resolve", "2", "--reason", "reached by phone", "--by", "alice")
    assert result.exit_code == 0, result.output
    assert "Case 2 resolved by alice: reached by phone." in result.stdout
    case = seeded.book.case(2)
    assert case is not None
    assert (case.status, case.resolved_by, case.resolution) == (
        CaseStatus.RESOLVED,
        "cli:alice",
        "reached by phone",
    )
    again = invoke(config_file, "resolve", "2", "--reason", "twice")
    assert again.exit_code == 1
    assert "already resolved by cli:alice" in again.stderr


@pytest.mark.parametrize("args", [("show", "99"), ("resolve", "99", "--reason", "x")])
def test_an_unknown_case_exits_1_and_says_how_to_list(
    config_file: Path, seeded: Any, args: Any
) -> None:
    result = invoke(config_file, *args)
    assert result.exit_code == 1
    assert "there is no case 99; `crisisbot cases list --all` lists them" in result.stderr


def test_export_csv_and_json_hold_metadata_only(
    config_file: Path, seeded: Any, tmp_path: Path
) -> None:
    as_csv = invoke(config_file, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert as_csv.exit_code == 0, as_csv.output
    assert tuple(rows[0]) == METADATA_FIELDS
    assert [row["risk"] for row in rows] == ["high", "concern"]
    target = tmp_path / "cases.json"
    as_json = invoke(config_file, "export", "--format", "json", "-o", str(target))
    assert as_json.exit_code == 0, as_json.output
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert [case["id"] for case in exported] == [2, 1]
    assert exported[0]["opened_at"].endswith("+00:00")
    for text in (HIGH_TEXT, CONCERN_TEXT):
        assert text not in as_csv.stdout
        assert text not in target.read_text(encoding="utf-8")


def test_export_rejects_an_unknown_format(config_file: Path, seeded: Any) -> None:
    result = invoke(config_file, "export", "--format", "xml")
    assert result.exit_code == 2
    assert "xml" in result.output


def test_purge_reports_what_it_removed(config_file: Path, seeded: Any) -> None:
    result = invoke(config_file, "purge")
    assert result.exit_code == 0, result.output
    # The seeded lines were written at the test clock's start, long before today.
    assert "4 transcript line(s) older than 30 days removed" in result.stdout


def test_a_database_without_the_schema_says_to_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "fresh.yaml"
    path.write_text(f"storage:\n  url: sqlite:///{tmp_path / 'fresh.db'}\n", encoding="utf-8")
    result = invoke(path, "list")
    assert isinstance(result.exception, StorageError)  # crisisbot's main() prints it, exit 2
    assert "Run `crisisbot db upgrade`" in str(result.exception)
