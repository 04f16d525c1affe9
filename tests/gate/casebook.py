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
    miss: str | None = None  # a known miss: why the gate does not (yet) route this case


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
                    miss=item.get("miss"),
                )
            )
    return cases


def as_params(cases: list[Case]) -> list[object]:
    """``pytest.param`` per case, with a readable id; known misses are strict expected failures."""
    return [
        pytest.param(
            case,
            id=f"{case.file}:{case.text[:48]}",
            marks=[pytest.mark.xfail(strict=True, reason=case.miss)] if case.miss else [],
        )
        for case in cases
    ]


def heldout_names(expect: str) -> list[str]:
    """Names of the held-out case files (``heldout*.yaml``) whose cases expect ``expect``."""
    names = []
    for path in sorted(CASES_DIR.glob("heldout*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["expect"] == expect:
            names.append(path.stem)
    return names


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
    "languages_crisis",
    "terms_crisis",
    "review9_crisis",
    "review10_crisis",
    "review11_crisis",
    "review12_crisis",
    "review14_checkin_crisis",
    "review14_clear_crisis",
    "review15_crisis",
    "review16_crisis",
    "review17_crisis",
    "review17b_crisis",
    "review18_crisis",
    "review19_crisis",
    "review20_crisis",
    "review21_crisis",
    "review21_benign_guard_crisis",
)
