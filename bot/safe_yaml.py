"""Strict reading of the bot's YAML: the config file and the data files (lexicon, advice rules,
semantic exemplars and safety net, crisis lines, wording).

Safe loader, no aliases, no duplicate keys, capped size. Flow files go through
:mod:`bot.engine.loader`, which reports every problem at once with its position.

PyYAML keeps the last of duplicate keys silently and expands aliases lazily into shared objects
("billion laughs"), so both are refused here with the line and column of the offending node;
:meth:`YamlProblem.where` names them ``path:line:col``, and :func:`position_of` finds the line
and column of a key a validation error names. :class:`StrictModel` is the base of the models
such files fill: an unknown key is an error, and a loaded value does not change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_YAML_BYTES = 1_000_000


class YamlProblem(ValueError):
    """A YAML document is unreadable; ``line`` and ``column`` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        self.line = line
        self.column = column
        super().__init__(message)

    def where(self, path: Path) -> str:
        """``path:line:col`` of the problem, or ``path`` when its position is unknown."""
        return f"{path}:{self.line}:{self.column}" if self.line else str(path)


class StrictModel(BaseModel):
    """A model read from YAML: unknown keys are errors (a typo never passes), values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that rejects aliases and duplicate mapping keys."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            mark = event.start_mark
            raise YamlProblem(
                "anchors and aliases (*name) are not allowed; write the value out in full",
                mark.line + 1,
                mark.column + 1,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        _refuse_duplicate_keys(self, node, deep)
        return super().construct_mapping(node, deep=deep)


def _refuse_duplicate_keys(
    loader: yaml.constructor.SafeConstructor, node: MappingNode, deep: bool
) -> None:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise YamlProblem(
                f"duplicate key {key!r}; each key may appear once, merge the two entries",
                mark.line + 1,
                mark.column + 1,
            )
        seen.add(key)


_MAYBE_ANCHOR_OR_ALIAS = re.compile(r"(?:^|[\s\[{,])[&*][^\s,\]}]", re.MULTILINE)
"""Where an anchor (``&name``) or an alias (``*name``) could start; also true of some quoted
text (``"a *b"``), which then only takes the slower reader."""


class _FastStrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's parser (when PyYAML has it) with the duplicate-key check; for text that cannot
    hold an alias, since the composer that refuses aliases at their position is Python's."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        _refuse_duplicate_keys(self, node, deep)
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result


def load_yaml_text(text: str) -> Any:
    """Parse one YAML document strictly; raises :class:`YamlProblem` with a position.

    Text without a possible anchor or alias is parsed by libyaml (about ten times faster: the
    lexicon and exemplars are read at every start); any problem it finds is reported by the
    Python reader, so the messages do not depend on which one read the file.
    """
    if not _MAYBE_ANCHOR_OR_ALIAS.search(text):
        try:
            return yaml.load(text, Loader=_FastStrictLoader)  # noqa: S506 - a strict SafeLoader
        except yaml.YAMLError:
            pass  # read again below, for the message and position of the Python reader
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except YamlProblem:
        raise
    except yaml.YAMLError as exc:
        raise _unreadable(exc) from exc


def compose_yaml_text(text: str) -> Node | None:
    """The node tree of one YAML document, refused like :func:`load_yaml_text` refuses it."""
    try:
        return yaml.compose(text, Loader=_StrictLoader)
    except YamlProblem:
        raise
    except yaml.YAMLError as exc:
        raise _unreadable(exc) from exc


def _unreadable(exc: yaml.YAMLError) -> YamlProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        return YamlProblem(f"invalid YAML: {exc.problem}", line, column)
    return YamlProblem(f"invalid YAML: {exc}")


def position_of(root: Node | None, loc: Sequence[int | str]) -> tuple[int, int]:
    """1-based ``(line, column)`` of the key at ``loc``, or of its nearest existing parent."""
    mark = root.start_mark if root is not None else None
    node = root
    for part in loc:
        child = None
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    child, mark = value_node, key_node.start_mark
                    break
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            mark = child.start_mark
        if child is None:
            break
        node = child
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def place_in_file(path: Path, loc: Sequence[int | str]) -> str:
    """``path:line:col`` of the key at ``loc`` in the file, for an error found after loading.

    ``path`` alone when the file can no longer be read or parsed (it changed in between).
    """
    try:
        root = compose_yaml_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlProblem):
        return str(path)
    line, column = position_of(root, loc)
    return f"{path}:{line}:{column}"


def load_yaml_file(path: Path, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Read and parse ``path`` strictly; raises :class:`YamlProblem` or :class:`OSError`."""
    size = path.stat().st_size
    if size > max_bytes:
        raise YamlProblem(f"file is {size} bytes, more than the {max_bytes} allowed; split it")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem("file is not UTF-8 text; save it as UTF-8") from exc
    return load_yaml_text(text)


def dotted_strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in nested dicts and lists (YAML data, a dumped model), with its dotted path."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from dotted_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from dotted_strings(value, f"{path}.{index}")


__all__ = [
    "MAX_YAML_BYTES",
    "StrictModel",
    "YamlProblem",
    "compose_yaml_text",
    "dotted_strings",
    "load_yaml_file",
    "load_yaml_text",
    "place_in_file",
    "position_of",
]
