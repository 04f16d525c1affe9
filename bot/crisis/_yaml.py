"""The crisis data files read through :mod:`bot.safe_yaml`, every problem as a ConfigError.

PyYAML keeps the last of duplicate keys silently and expands aliases lazily (ENGINEERING.md, YAML),
so both are refused; every problem becomes a :class:`~bot.errors.ConfigError` naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.errors import ConfigError
from bot.safe_yaml import YamlProblem, load_yaml_file, place_in_file

MAX_FILE_BYTES = 256 * 1024


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read ``path`` as one YAML mapping, or raise ConfigError saying what is wrong and where."""
    try:
        data = load_yaml_file(path, max_bytes=MAX_FILE_BYTES)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror}); check the path") from exc
    except YamlProblem as exc:
        raise ConfigError(f"{exc.where(path)}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top of the file")
    return data


def validation_error(path: Path, exc: ValidationError) -> ConfigError:
    """A ConfigError listing each pydantic error as ``file:line:col: key.path: message``."""
    problems = [
        f"{place_in_file(path, error['loc'])}: "
        f"{'.'.join(str(part) for part in error['loc']) or '(top)'}: {error['msg']}"
        for error in exc.errors()
    ]
    return ConfigError("\n".join([*problems, f"Fix {path} and start again."]))
