"""The one exception tree of crisisbot.

    CrisisbotError
    ├── ConfigError            config file or environment is invalid (names the key and the value)
    │   └── ConfigUnreadableError  the config file cannot be read at all
    ├── FlowError              a flow file is invalid (carries path:line:col diagnostics)
    ├── LexiconError           an operator's lexicon extension is invalid
    ├── InputError             a piece of user input cannot be handled (too large, not text)
    ├── StorageError           the database cannot be reached or is on the wrong schema
    ├── TelegramSetupError     the Telegram token is missing or rejected
    └── ModelError             a shipped model file is missing or not the pinned one

Every error a person or an operator can cause says what went wrong and what to do about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class CrisisbotError(Exception):
    """Base class of every error crisisbot raises on purpose."""


class ConfigError(CrisisbotError):
    """The configuration file or an environment override is invalid."""


class ConfigUnreadableError(ConfigError):
    """The configuration file cannot be read (missing, unreadable, too large, not UTF-8)."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about an operator's file, printed as ``path:line:col: severity: message``."""

    path: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"


class FlowError(CrisisbotError):
    """A flow file is invalid; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class LexiconError(CrisisbotError):
    """An operator's extension of the crisis lexicon is invalid."""


class InputError(CrisisbotError):
    """A piece of user input cannot be handled as it is."""


class StorageError(CrisisbotError):
    """The storage cannot be reached, or its schema is not the one this version expects."""


class TelegramSetupError(CrisisbotError):
    """The Telegram token is missing, malformed or rejected."""


class ModelError(CrisisbotError):
    """A model or its precomputed data is missing, damaged or not the pinned version."""


__all__ = [
    "ConfigError",
    "CrisisbotError",
    "Diagnostic",
    "FlowError",
    "InputError",
    "LexiconError",
    "ModelError",
    "StorageError",
    "TelegramSetupError",
]
