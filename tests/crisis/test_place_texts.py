"""The lines' texts worked out once per place and language give every reply what a fresh set of
replies gives, whatever was shown before."""

from __future__ import annotations

import pytest

from bot.core.replies import CheckInActions, CrisisReplies
from bot.crisis import CrisisLines
from bot.model import Reply, Risk
from tests.crisis.invented import CONTACTS

ACTIONS = CheckInActions(yes="y", not_sure="n", no="x")


def _replies_of_one_place(
    replies: CrisisReplies, country: str | None, language: str | None
) -> list[Reply | str]:
    """Every reply that shows the lines of ``country`` in ``language``."""
    shown: list[Reply | str] = []
    for handoff in (False, True):
        shown.append(
            replies.crisis(
                risk=Risk.IMMINENT,
                category="ideation",
                country=country,
                repeat=1,
                handoff_available=handoff,
                language=language,
            )
        )
        shown.append(
            replies.crisis_lines_only(country=country, handoff_available=handoff, language=language)
        )
    shown.append(replies.check_in(country=country, actions=ACTIONS, language=language))
    shown.append(replies.support_line(country=country, language=language))
    shown.append(replies.non_text(country=country, language=language))
    shown.append(replies.after_no(means=True, country=country, language=language))
    return shown


def _places(lines: CrisisLines) -> list[str | None]:
    return [*lines.known_countries(), None, "ZZ"]


@pytest.mark.parametrize("language", [None, "en", "de", "es", "fr", "it", "nl", "pt", "xx"])
def test_every_place_reads_the_same_after_every_other(lines: CrisisLines, language: str) -> None:
    used = CrisisReplies(lines, CONTACTS)
    for other in ("en", "de", None):  # the texts of other languages are kept by now
        for country in _places(lines):
            _replies_of_one_place(used, country, other)
    for country in _places(lines):
        fresh = CrisisReplies(lines, CONTACTS)
        assert _replies_of_one_place(used, country, language) == _replies_of_one_place(
            fresh, country, language
        )


def test_a_place_is_worked_out_once_per_language(lines: CrisisLines) -> None:
    replies = CrisisReplies(lines, CONTACTS)
    first = replies.crisis_lines_only(country="DE", language="de")
    again = replies.crisis_lines_only(country="de", language="de")
    assert again == first
    assert again.buttons is first.buttons
