"""``crisisbot catalog-template``: the gettext template of every fixed reply, for translators.

Start a language with ``pybabel init`` on the template and keep catalogs current with
``pybabel update`` (docs/crisis.md, "Languages").
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated

import typer
from babel.messages.pofile import write_po


def write_template(output: Path | None) -> int:
    """Write the template (``.pot``) to ``output``, or to stdout."""
    from bot.i18n.catalogs import template

    buffer = io.BytesIO()
    write_po(buffer, template(), width=100, omit_header=False, sort_output=False)
    if output is None:
        sys.stdout.write(buffer.getvalue().decode("utf-8"))
    else:
        output.write_bytes(buffer.getvalue())
    return 0


def register(app: typer.Typer) -> None:
    """Add the command to the ``crisisbot`` app."""

    @app.command("catalog-template")
    def catalog_template(
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
        ] = None,
    ) -> None:
        """Write the gettext template (.pot) of every fixed reply, keyed by its wording place."""
        raise typer.Exit(write_template(output))
