"""The ``crisisbot`` command line: run, chat, triage, check, evaluate, graph, cases and db.

:data:`app` is the Typer application and :func:`main` the console entry point; each command
lives in a module of its own and imports what it needs when it runs.
"""

from bot.cli.main import app, main

__all__ = ["app", "main"]
