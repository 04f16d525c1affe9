"""The quarterly re-check of the crisis lines is visible: stale entries are named.

``stale_entries`` takes ``today`` as a parameter so the rule is tested on fixed dates. On the real
date, ``crisisbot check`` warns (and fails with ``--fail-on-warnings``) once any entry is more than
120 days old: the signal to re-check every number on the service's own page and update
``verified``. The suite itself does not depend on today's date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.crisis import CrisisLines, load_crisis_lines

VERIFIED = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("today", "stale"),
    [
        (VERIFIED, False),
        (VERIFIED + dt.timedelta(days=120), False),
        (VERIFIED + dt.timedelta(days=121), True),
        (VERIFIED + dt.timedelta(days=400), True),
    ],
)
def test_entries_go_stale_after_120_days(lines: CrisisLines, today: dt.date, stale: bool) -> None:
    assert bool(lines.stale_entries(today=today)) is stale


def test_a_single_old_entry_is_named_with_its_country_and_date(
    write_yaml: Any, lines_data: dict[str, Any]
) -> None:
    lines_data["countries"]["AU"]["services"][0]["verified"] = dt.date(2026, 1, 2)
    lines_data["international"]["emergency"]["verified"] = dt.date(2026, 1, 3)
    path: Path = write_yaml(lines_data)
    stale = load_crisis_lines(path).stale_entries(today=VERIFIED)
    assert stale == [
        "AU Lifeline (verified 2026-01-02)",
        "international emergency (verified 2026-01-03)",
    ]


def test_the_age_limit_can_be_tightened(lines: CrisisLines) -> None:
    assert lines.stale_entries(today=VERIFIED + dt.timedelta(days=31), max_age_days=30)
