"""The ``crisisbot`` command line (also ``python -m bot``).

Exit codes: 0 success; 1 a check, evaluation or flow test found problems; 2 the configuration,
a flow file, the storage or the Telegram token is unusable (the message says which and what to do).
"""

import gc
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.errors import CrisisbotError
from bot.lasting import lasting

app = typer.Typer(
    name="crisisbot",
    help="A bot that answers questions about ketamine therapy for depression and routes anyone "
    "at risk to crisis lines and a human.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
gate_app = typer.Typer(help="The crisis gate's semantic detector.", no_args_is_help=True)
app.add_typer(gate_app, name="gate")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (YAML); defaults apply without one."),
]


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("crisisbot")
        except PackageNotFoundError:  # run from a checkout that was never installed
            number = "unknown (not installed; run pip install .)"
        print(f"crisisbot {number}")
        raise typer.Exit(0)


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the installed version and exit.",
        ),
    ] = False,
) -> None:
    """Options that apply before any command."""


@app.command()
def chat(
    config: ConfigOption = None,
    user: Annotated[str, typer.Option(help="Conversation name, to keep several apart.")] = "local",
) -> None:
    """Talk to the bot in the terminal; buttons are numbered choices."""
    with lasting():  # modules kept until the process ends
        from bot.cli.chat import run_chat

    raise typer.Exit(run_chat(config, user))


@app.command()
def triage(config: ConfigOption = None) -> None:
    """JSON lines in (text, user, country), JSON lines out (route, risk, category, state, reply)."""
    with lasting():  # modules kept until the process ends
        from bot.cli.triage import run_triage

    raise typer.Exit(run_triage(config, sys.stdin.buffer, sys.stdout))


@app.command()
def check(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Flow files; default: flows_dir.")
    ] = None,
    config: ConfigOption = None,
    fail_on_warnings: Annotated[
        bool, typer.Option("--fail-on-warnings", help="Exit 1 on warnings too.")
    ] = False,
) -> None:
    """Validate the config and the flows: one path:line:col line per problem."""
    from bot.cli.check import run_check

    raise typer.Exit(run_check(config, files or [], fail_on_warnings=fail_on_warnings))


@app.command("eval")
def evaluate(
    file: Annotated[
        Path, typer.Argument(help="Labelled JSON lines: text or turns, expect, cat, lang.")
    ],
    config: ConfigOption = None,
    misses: Annotated[
        bool, typer.Option("--misses", help="List every miss with the route it took.")
    ] = False,
) -> None:
    """Crisis, check-in and advice figures per category, per language and per detector."""
    from bot.cli.evaluate import run_eval

    raise typer.Exit(run_eval(config, file, sys.stdout, show_misses=misses))


@app.command()
def graph(
    flow: Annotated[Path, typer.Argument(help="A flow file.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="mmd, svg or png.")] = "mmd",
) -> None:
    """Draw a flow as a Mermaid state diagram (SVG/PNG when Graphviz is installed)."""
    from bot.cli.check import run_graph

    raise typer.Exit(run_graph(flow, output, fmt))


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Bring the database schema to the current version."""
    from bot.cli.check import run_db_upgrade

    raise typer.Exit(run_db_upgrade(config))


@gate_app.command("rebuild")
def gate_rebuild() -> None:
    """Re-encode the exemplars after they change; writes vectors, thresholds, CV figures."""
    from bot.cli.gate import run_rebuild

    raise typer.Exit(run_rebuild(sys.stdout))


def _register_optional() -> None:
    """Commands whose modules belong to later parts of the bot."""
    import importlib

    for name in ("bot.cli.run", "bot.cli.flowtests", "bot.cli.cases", "bot.cli.catalogs"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(app)


def main() -> None:
    """Entry point: run the app, turning project errors into one clear message."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _register_optional()
    try:
        app()
    except CrisisbotError as error:
        print(f"crisisbot: {error}", file=sys.stderr)
        sys.exit(2)
    finally:
        # The process ends here and what it built goes with it: the collector's passes at exit
        # need not walk it all (about 0.2 s of CPU after chat or triage). Freezing moves the
        # objects aside without visiting them; reference counting still frees them.
        gc.freeze()
