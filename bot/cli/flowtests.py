"""``crisisbot test-flows``: run the operators' conversation tests in flows/tests/."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.errors import FlowError


def run_flow_tests(config_path: Path | None, paths: list[Path]) -> int:
    """Run the tests; print failures and coverage. 0 when all pass, 1 otherwise."""
    from bot.app import build_core
    from bot.config import load_config
    from bot.engine.loader import flow_files
    from bot.flowtests import coverage_lines, run_tests

    config = load_config(config_path)
    core = build_core(config)
    if not paths:
        folder = config.flows_dir / "tests"
        paths = flow_files(folder) if folder.is_dir() else []
    if not paths:
        print(f"no conversation tests found in {config.flows_dir / 'tests'}", file=sys.stderr)
        return 1
    try:
        report = run_tests(core, paths)
    except FlowError as error:
        print(error)
        return 1
    for failure in report.failures:
        print(f"FAIL {failure}")
    for line in coverage_lines(core, report):
        print(line)
    verdict = "failed" if report.failures else "passed"
    print(f"{report.files} files, {report.turns} turns: {len(report.failures)} failures; {verdict}")
    return 1 if report.failures else 0


def register(app: typer.Typer) -> None:
    """Add ``test-flows`` to the command line."""

    @app.command("test-flows")
    def test_flows(
        files: Annotated[
            list[Path] | None, typer.Argument(help="Test files; default: flows_dir/tests.")
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", "-c", help="Config file (YAML).")
        ] = None,
    ) -> None:
        """Run the conversation tests in flows/tests and show transition coverage."""
        raise typer.Exit(run_flow_tests(config, files or []))
