"""Helpers of the deployment tests.

Fixtures stay in the conftest beside the tests; these are imported by name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.config import Config

ConfigAsService = Callable[[Path, dict[str, str]], Config]
