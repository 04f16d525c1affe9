"""Moderators' commands and alert buttons read into (action, case id, rest), never raising."""

from __future__ import annotations

import pytest

from bot.moderation import ACTIONS, ParsedCommand, parse_button, parse_command
from bot.moderation.commands import BUTTON_ACTIONS, button_action


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/queue", ParsedCommand("queue", None, "")),
        ("/queue@crisis_test_bot", ParsedCommand("queue", None, "")),
        ("/case 12", ParsedCommand("case", 12, "")),
        ("/CASE #12", ParsedCommand("case", 12, "")),
        ("/claim@crisis_test_bot 7", ParsedCommand("claim", 7, "")),
        (
            "/note 12 called back, no answer yet",
            ParsedCommand("note", 12, "called back, no answer yet"),
        ),
        (
            "/resolve 3 talked it through; has a safety plan",
            ParsedCommand("resolve", 3, "talked it through; has a safety plan"),
        ),
        ("/release 3", ParsedCommand("release", 3, "")),
        ("/talk 3", ParsedCommand("talk", 3, "")),
        ("/transcript 3", ParsedCommand("transcript", 3, "")),
        (
            "/reply 3 I'm here, take your time",
            ParsedCommand("reply", 3, "I'm here, take your time"),
        ),
        ("  /case   12  ", ParsedCommand("case", 12, "")),
    ],
)
def test_commands_are_read(text: str, expected: ParsedCommand) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text", ["/case", "/case twelve", "/case -4", "/case 0", "/note", "/resolve x why", "/case ١٢"]
)
def test_a_missing_or_malformed_case_id_is_none(text: str) -> None:
    parsed = parse_command(text)
    assert parsed is not None
    assert parsed.case_id is None


@pytest.mark.parametrize("text", ["/start", "/help", "hello team", "", "queue", "/ queue"])
def test_other_text_is_not_a_moderation_command(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize("action", sorted(BUTTON_ACTIONS))
def test_button_data_round_trips_within_telegrams_64_bytes(action: str) -> None:
    data = button_action(action, 2**63 - 1)
    assert len(data.encode("utf-8")) <= 64
    assert parse_button(data) == ParsedCommand(action, 2**63 - 1, "")


@pytest.mark.parametrize(
    "data",
    ["sys:human", "mod:claim", "mod:claim:", "mod:claim:x", "mod:queue:1", "mod:note:4", "f:menu"],
)
def test_other_button_data_is_not_a_moderation_button(data: str) -> None:
    assert parse_button(data) is None


def test_only_alert_actions_become_buttons() -> None:
    with pytest.raises(ValueError, match="not an alert button action"):
        button_action("note", 1)
    assert BUTTON_ACTIONS <= ACTIONS
