"""``@name`` macros of the built-in lexicon: named phrase fragments, expanded before compiling.

Only ``bot/gate/lexicon.yaml`` defines macros (its ``macros`` block); an operator's extension may
use them (``@self``, ``@pills``...) but never define or change one, so it cannot alter what the
built-in rules match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.gate.lexicon_fields import Fields
from bot.gate.phrases import PhraseSyntaxError


class MacroExpander:
    """Expands ``@name`` macros in phrases (built-in macros, up to three levels deep)."""

    _REFERENCE = re.compile(r"@([a-z_][a-z0-9_]*)")

    def __init__(self, macros: Mapping[str, str]) -> None:
        self.macros = dict(macros)

    def expand(self, phrase: str) -> str:
        """``phrase`` with every ``@name`` replaced; unknown or too-deep macros raise."""
        for _ in range(4):
            if "@" not in phrase:
                return phrase
            phrase = self._REFERENCE.sub(self._replace, phrase)
        if "@" in phrase:
            raise PhraseSyntaxError(f"macros nest more than three levels deep in {phrase!r}")
        return phrase

    def _replace(self, match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in self.macros:
            known = ", ".join(f"@{m}" for m in sorted(self.macros)) or "none"
            raise PhraseSyntaxError(f"unknown macro @{name} (known: {known})")
        return self.macros[name]


def read_macros(fields: Fields) -> dict[str, str]:
    """The built-in ``macros`` block: name -> phrase fragment (checked when used)."""
    macros: dict[str, str] = {}
    for name in fields.data:
        if not isinstance(name, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise fields.error(str(name), "macro names are lower-case letters, digits and _")
        macros[name] = fields.text(name)
    return macros


__all__ = ["MacroExpander", "read_macros"]
