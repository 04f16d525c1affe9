"""Typed access to one mapping of a lexicon file, with errors that name the file and the key."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.errors import LexiconError
from bot.safe_yaml import place_in_file

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")  # ``rules[3].phrases`` -> rules, 3, phrases


class Fields:
    """One YAML mapping (a rule, the ``fuzzy`` block...) read key by key.

    Unknown keys are refused, so a typo such as ``phrase:`` for ``phrases:`` cannot silently
    disable a rule; every error names ``file:line:col: where: key`` and what to do.
    """

    def __init__(self, path: Path, where: str, data: Any, allowed: Iterable[str]) -> None:
        self.path = path
        self.where = where
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise LexiconError(
                f"{_place(path, where)}: {where}: expected a mapping of keys to values, "
                f"got {_kind(data)}"
            )
        self.data: Mapping[Any, Any] = data
        allowed_keys = frozenset(allowed)
        for key in data:
            if key not in allowed_keys:
                raise self.error(
                    str(key), f"unknown key; allowed here: {', '.join(sorted(allowed_keys))}"
                )

    def error(self, key: str, problem: str) -> LexiconError:
        """A :class:`LexiconError` for ``key`` of this mapping."""
        label = self.where
        rule_id = self.data.get("id")
        if isinstance(rule_id, str):
            label += f" (id {rule_id!r})"
        place = _place(self.path, self.where, key)
        return LexiconError(f"{place}: {label}: {key}: {problem}")

    def text(self, key: str) -> str:
        """A required non-empty string."""
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"required, a non-empty text; got {_kind(value)}")
        return value.strip()

    def optional_text(self, key: str) -> str:
        """An optional string ('' when absent)."""
        value = self.data.get(key, "")
        if not isinstance(value, str):
            raise self.error(key, f"must be text; got {_kind(value)}")
        return value.strip()

    def choice(self, key: str, options: Iterable[str]) -> str:
        """A required string from ``options``."""
        value = self.text(key)
        allowed = tuple(options)
        if value not in allowed:
            raise self.error(key, f"{value!r} is not allowed; use one of {', '.join(allowed)}")
        return value

    def flag(self, key: str) -> bool:
        """An optional boolean, false when absent."""
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false; got {_kind(value)}")
        return value

    def positive_number(self, key: str, default: float | None) -> float:
        """A number greater than zero; required when ``default`` is ``None``."""
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.error(key, f"must be a number greater than 0; got {_kind(value)}")
        return float(value)

    def words(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        """A list of non-empty strings (empty tuple when absent and not required)."""
        value = self.data.get(key)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not value:
            raise self.error(key, f"must be a non-empty list of texts; got {_kind(value)}")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{key}[{index}]", f"must be a non-empty text; got {_kind(item)}")
        return tuple(item.strip() for item in value)

    def list_of(self, key: str) -> list[Any]:
        """A list of anything (each item is checked by its own :class:`Fields`)."""
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.error(key, f"must be a list; got {_kind(value)}")
        return value

    def mapping(self, key: str) -> Mapping[Any, Any]:
        """A nested mapping (empty when absent)."""
        value = self.data.get(key, {})
        if not isinstance(value, Mapping):
            raise self.error(key, f"must be a mapping; got {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    """A short description of a YAML value for error messages."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    if isinstance(value, bool):
        return f"boolean {value}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def _place(path: Path, *steps: str) -> str:
    """``path:line:col`` of ``rules[3]`` then ``phrases[0]`` (say) in the file."""
    loc: list[int | str] = []
    for step in steps:
        if step == "top level":
            continue
        for name, index in _STEP.findall(step):
            loc.append(int(index) if index else name)
    return place_in_file(path, loc)


__all__ = ["Fields"]
