"""Invented test data shared by the crisis tests."""

from __future__ import annotations

from bot.core.replies import HumanContact

# Team contacts for the replies under test: made up, long enough to exercise the length limit.
CONTACTS = (
    HumanContact(
        name="Robin from the support team",
        reach="@crisisbot.team.example",
        hours="Mon-Fri 9:00-17:00",
    ),
    HumanContact(name="Alex, weekend volunteer", reach="alex@team.example", hours="Sat-Sun 10-16"),
)
