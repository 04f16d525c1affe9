"""The project's own flow checker (``crisisbot check``) has nothing to say about the content.

Run as of the review date, so that the test does not depend on the clock: an old review is
reported by ``crisisbot check`` when it is due, not by a failing test suite.
"""

from __future__ import annotations

import datetime as dt

from bot.engine.check import check_paths
from tests.content.flow_files import FLOW_FILES, FLOWS_DIR, REVIEW_DATE


def test_flow_checker_reports_no_errors_or_warnings() -> None:
    paths = [FLOWS_DIR / name for name in FLOW_FILES]
    diagnostics = check_paths(paths, today=dt.date.fromisoformat(REVIEW_DATE))
    assert [str(diagnostic) for diagnostic in diagnostics] == []
