"""``crisisbot check``, ``crisisbot graph`` and ``crisisbot db upgrade``: operator tools."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from bot.config import Config, load_config
from bot.engine.check import check_paths
from bot.engine.graph import flow_to_mermaid, render_graph
from bot.engine.loader import flow_files, load_flow_file
from bot.errors import ConfigUnreadableError, CrisisbotError, Diagnostic
from bot.storage import Storage, schema


def run_check(config_path: Path | None, files: list[Path], *, fail_on_warnings: bool) -> int:
    """Print one ``path:line:col: severity: message`` line per problem; 1 if any counts.

    A config file that cannot be read at all exits 2, like every other command. Flow files named
    alone are checked with the other flows of their folder loaded beside them, so links between
    flows resolve; only the named files' problems are reported.
    """
    problems: list[str] = []
    try:
        config = load_config(config_path)
    except ConfigUnreadableError as error:
        print(f"crisisbot: {error}", file=sys.stderr)
        return 2
    except CrisisbotError as error:
        problems.extend(str(error).splitlines())
        config = None
    if files:
        paths = files
    elif config is not None:
        paths = flow_files(config.flows_dir) if config.flows_dir.is_dir() else []  # as run sees
        if not paths:
            problems.append(f"{config.flows_dir}: error: no flow files (*.yaml) in flows_dir")
    else:
        paths = []
    diagnostics = _check_named(paths) if files else check_paths(paths)
    flow_errors = any(d.severity == "error" for d in diagnostics)
    warnings_extra: list[str] = []
    if config is not None and not files and paths and not flow_errors:
        problems.extend(_check_runtime_parts(config))
        missing, untranslated = _missing_translations(config)
        problems.extend(missing)
        warnings_extra = [*_stale_crisis_lines(config.crisis.lines_file), *untranslated]
    for line in problems:
        print(line)
    for diagnostic in diagnostics:
        print(diagnostic)
    for line in warnings_extra:
        print(line)
    errors = len(problems) + sum(d.severity == "error" for d in diagnostics)
    warnings = len(warnings_extra) + sum(d.severity == "warning" for d in diagnostics)
    checked = f"{len(paths)} flow file{'s' if len(paths) != 1 else ''}"
    print(f"checked {checked}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors or (fail_on_warnings and warnings) else 0


def _check_named(files: list[Path]) -> list[Diagnostic]:
    """Check ``files`` with their folders' other flows loaded, reporting only ``files``."""
    named = [path for path in files if not path.is_dir()]
    covered = {_key(path) for path in named}
    for folder in (path for path in files if path.is_dir()):
        covered |= {_key(flow) for flow in _flow_files_in(folder)}
    parents = sorted({path.resolve().parent for path in named})
    extra = [
        flow for folder in parents for flow in _flow_files_in(folder) if _key(flow) not in covered
    ]
    hidden = {_key(flow) for flow in extra}
    diagnostics = check_paths([*files, *extra])
    return [d for d in diagnostics if _key(Path(d.path)) not in hidden]


def _flow_files_in(folder: Path) -> list[Path]:
    try:
        return flow_files(folder)
    except OSError:
        return []


def _key(path: Path) -> Path:
    return path.resolve()


def _check_runtime_parts(config: Config) -> list[str]:
    """Build the whole core once, so entry flow, lexicon and crisis lines are checked too."""
    from bot.app import build_core

    try:
        build_core(config)
    except CrisisbotError as error:
        return str(error).splitlines()
    return []


def _missing_translations(config: Config) -> tuple[list[str], list[str]]:
    """Errors for safety texts a language's catalog lacks, warnings for the other texts."""
    from bot.app import load_config_languages

    try:
        languages = load_config_languages(config)
    except CrisisbotError:
        return [], []  # reported as an error by the runtime check
    errors, warnings = languages.problems()
    return (
        [line.replace(": ", ": error: ", 1) for line in errors],
        [line.replace(": ", ": warning: ", 1) for line in warnings],
    )


def _stale_crisis_lines(lines_file: Path | None) -> list[str]:
    """A warning per crisis line not re-checked within the last 120 days."""
    from bot.crisis import load_crisis_lines

    try:
        stale = load_crisis_lines(lines_file).stale_entries(today=dt.date.today())
    except CrisisbotError:
        return []  # reported as an error by the runtime check
    where = lines_file or "bot/crisis/lines.yaml"
    return [
        f"{where}: warning: {entry} was verified over 120 days ago; confirm it on the "
        "service's own page and update `verified`"
        for entry in stale
    ]


def run_graph(flow_path: Path, output: Path | None, fmt: str) -> int:
    """Print or write the flow's diagram."""
    flow = load_flow_file(flow_path)
    if output is None:
        if fmt != "mmd":
            raise CrisisbotError(f"--format {fmt} needs --output FILE; only mmd prints to stdout")
        sys.stdout.write(flow_to_mermaid(flow.spec))
        return 0
    render_graph(flow.spec, fmt, output)
    return 0


def run_db_upgrade(config_path: Path | None) -> int:
    """Migrate the configured database to the current schema."""
    config = load_config(config_path)
    storage = Storage.from_url(config.storage.url)
    try:
        with storage.transaction(write=False) as connection:
            before = schema.current_revision(connection)
        storage.upgrade()
    finally:
        storage.close()
    head = schema.head_revision()
    if before is None:
        message = f"created the database schema (revision {head})"
    elif before != head:
        message = f"migrated the database schema from revision {before} to {head}"
    else:
        message = f"the database schema is already up to date (revision {head})"
    print(message, file=sys.stderr)
    return 0
