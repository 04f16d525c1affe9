"""Strict YAML reading for the crisis data files: safe, capped, no aliases, no duplicate keys.

PyYAML keeps the last of duplicate keys silently and expands aliases lazily (ENGINEERING.md, YAML),
so both are refused here; every problem becomes a :class:`~bot.errors.ConfigError` naming the file.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.errors import ConfigError

MAX_FILE_BYTES = 256 * 1024


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that rejects anchors/aliases and duplicate mapping keys."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "aliases (*name) are not allowed here; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}; keep only one", key_node.start_mark
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read ``path`` as one YAML mapping, or raise ConfigError saying what is wrong and where."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror}); check the path") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: file is {len(raw)} bytes, over the {MAX_FILE_BYTES} limit")
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)  # noqa: S506  # a SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text; save the file as UTF-8") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top of the file")
    return data


def validation_error(path: Path, exc: ValidationError) -> ConfigError:
    """A ConfigError listing each pydantic error as ``file: key.path: message``."""
    problems = [
        f"{path}: {'.'.join(str(part) for part in error['loc']) or '(top)'}: {error['msg']}"
        for error in exc.errors()
    ]
    return ConfigError("\n".join([*problems, f"Fix {path} and start again."]))
