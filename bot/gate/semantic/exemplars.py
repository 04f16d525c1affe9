"""The labelled exemplars the semantic detector compares messages with, kept as data.

One YAML file per language in ``bot/gate/semantic/exemplars/``::

    language: es
    crisis:
      passive:
        - "quisiera dormirme y ya no despertar"
    benign:
      idiom:
        - "me muero de hambre"

Crisis categories name what the gate reports for a semantic-only crisis (``explicit``,
``passive``, ``planning``, ``farewell``, ``means``, ``self_harm``, ``third_party``, ``mention``,
``coded``); benign categories only document why a line is there (idioms, ketamine questions,
technology, games, grief, low mood, lookalikes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ModelError
from bot.safe_yaml import YamlProblem, load_yaml_file, place_in_file

EXEMPLARS_DIR = Path(__file__).with_name("exemplars")
LABELS = ("crisis", "benign")


@dataclass(frozen=True, slots=True)
class Exemplar:
    """One labelled line: its text, crisis or benign, its category and its language."""

    text: str
    label: str
    category: str
    language: str
    translation_key: str = ""
    """Its place among files of its kind (``more/crisis/passive/4``): the files of most languages
    are line-for-line translations, so lines sharing a key are translations of one another."""


def exemplar_files(directory: Path = EXEMPLARS_DIR) -> list[Path]:
    """The exemplar files of ``directory``, sorted by name."""
    return sorted(directory.glob("*.yaml"))


def exemplars_sha256(directory: Path = EXEMPLARS_DIR) -> str:
    """One sha256 over every exemplar file's name and bytes (what the vectors were built from)."""
    digest = hashlib.sha256()
    for path in exemplar_files(directory):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_exemplars(directory: Path = EXEMPLARS_DIR) -> list[Exemplar]:
    """Every exemplar of ``directory``, in file order; a malformed file raises ModelError."""
    exemplars: list[Exemplar] = []
    for path in exemplar_files(directory):
        exemplars.extend(_load_file(path))
    if not any(e.label == "crisis" for e in exemplars) or not any(
        e.label == "benign" for e in exemplars
    ):
        raise ModelError(
            f"{directory}: the semantic detector needs crisis and benign exemplars; "
            "add YAML files with both sections"
        )
    return exemplars


def _load_file(path: Path) -> list[Exemplar]:
    try:
        data = load_yaml_file(path)
    except YamlProblem as error:
        raise ModelError(f"{error.where(path)}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("language"), str):
        raise ModelError(f"{path}:1:1: an exemplar file is a mapping with a 'language' key")
    language = data["language"]
    kind = path.stem[len(language) :].lstrip("-") if path.stem.startswith(language) else path.stem
    found: list[Exemplar] = []
    for label in LABELS:
        sections = data.get(label) or {}
        if not isinstance(sections, dict):
            place = place_in_file(path, (label,))
            raise ModelError(f"{place}: '{label}' maps categories to lists of lines")
        for category, lines in sections.items():
            if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
                place = place_in_file(path, (label, category))
                raise ModelError(f"{place}: '{label}.{category}' must be a list of quoted lines")
            kept = [line.strip() for line in lines if line.strip()]
            found.extend(
                Exemplar(text, label, str(category), language, f"{kind}/{label}/{category}/{n}")
                for n, text in enumerate(kept)
            )
    return found


__all__ = [
    "EXEMPLARS_DIR",
    "Exemplar",
    "exemplar_files",
    "exemplars_sha256",
    "load_exemplars",
]
