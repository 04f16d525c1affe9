"""Loads the labelled cases in ``tests/gate/cases/*.yaml`` for parametrised tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

CASES_DIR = Path(__file__).with_name("cases")


@dataclass(frozen=True)
class Case:
    """One labelled message: what it is, what the gate or guard must say."""

    file: str
    expect: str  # crisis | benign | faq | advice
    text: str
    risk: str | None = None
    reason: str | None = None
    note: str | None = None


def load_cases(*names: str) -> list[Case]:
    """All cases of the named files (without ``.yaml``), in file order."""
    cases: list[Case] = []
    for name in names:
        data = yaml.safe_load((CASES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        for item in data["cases"]:
            cases.append(
                Case(
                    file=name,
                    expect=data["expect"],
                    text=item["text"],
                    risk=item.get("risk"),
                    reason=item.get("reason"),
                    note=item.get("note"),
                )
            )
    return cases


def as_params(cases: list[Case]) -> list[object]:
    """``pytest.param`` per case, with a readable id."""
    return [pytest.param(case, id=f"{case.file}:{case.text[:48]}") for case in cases]


CRISIS_FILES = (
    "explicit",
    "passive",
    "coded",
    "obfuscation",
    "self_harm",
    "means",
    "planning",
    "third_party",
    "mention",
    "variants",
)
