"""Each package's ``__init__`` says what it offers: an ``__all__`` whose names all exist, sorted.

Sorted as ruff's RUF022 sorts (constants, then classes, then functions, each alphabetically), so
the face reads the same way in every package.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
PACKAGES = sorted(
    ".".join(path.parent.relative_to(BOT.parent).parts) for path in BOT.rglob("__init__.py")
)


def face_order(name: str) -> tuple[int, str]:
    """RUF022's order: SCREAMING_CASE first, then CamelCase, then everything else."""
    if re.fullmatch(r"[A-Z0-9_]+", name) and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_the_packages_are_found() -> None:
    assert {"bot", "bot.core", "bot.engine", "bot.gate", "bot.storage"} <= set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_declares_what_it_offers(package: str) -> None:
    module = importlib.import_module(package)
    offered = getattr(module, "__all__", None)
    assert isinstance(offered, list), f"{package}/__init__.py declares no __all__ list"
    assert module.__doc__, f"{package}/__init__.py says nothing of what the package is for"
    missing = [name for name in offered if not hasattr(module, name)]
    assert missing == [], f"{package}.__all__ names what it lacks: {missing}"
    assert len(set(offered)) == len(offered), f"{package}.__all__ names something twice"
    assert offered == sorted(offered, key=face_order), f"{package}.__all__ is not sorted"


def test_an_unsorted_face_is_told_apart() -> None:
    names = ["shared_encoder", "Encoder", "MODEL_ID"]
    assert sorted(names, key=face_order) == ["MODEL_ID", "Encoder", "shared_encoder"]
