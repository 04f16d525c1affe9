"""Shaping replies: splitting at natural boundaries within Telegram's limit, keyboards."""

from __future__ import annotations

import pytest

from bot.model import MESSAGE_LIMIT, Button, Reply
from bot.telegram.outgoing import (
    keyboard_for,
    message_parts,
    split_reply,
    split_text,
    utf16_length,
)

PARAGRAPH = "Ketamine clinics follow protocols. " * 40  # about 1,400 characters


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, ["short"]),
        ("  padded  ", 10, ["padded"]),
        ("", 10, []),
        (" \n ", 10, []),
        ("first para\n\nsecond para", 15, ["first para", "second para"]),
        ("line one\nline two", 12, ["line one", "line two"]),
        ("One thing here. Another one", 20, ["One thing here.", "Another one"]),
        ("alpha beta gamma delta", 12, ["alpha beta", "gamma delta"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
    ],
    ids=[
        "fits",
        "trimmed",
        "empty",
        "blank",
        "paragraph",
        "line",
        "sentence",
        "word",
        "no-boundary-hard-cut",
    ],
)
def test_split_text_prefers_natural_boundaries(text: str, limit: int, expected: list[str]) -> None:
    assert split_text(text, limit) == expected


def test_split_prefers_a_paragraph_over_a_later_sentence_end() -> None:
    text = "Intro words that go on for a while.\n\nA sentence. Another sentence that runs on"
    assert split_text(text, 50)[0] == "Intro words that go on for a while."


def test_boundary_in_the_first_half_is_not_used_so_parts_stay_full() -> None:
    text = "a\n" + "word " * 20
    parts = split_text(text, 50)
    assert len(parts[0]) > 25


def test_five_thousand_characters_become_two_messages_within_the_limit() -> None:
    text = "\n\n".join([PARAGRAPH, PARAGRAPH, PARAGRAPH, PARAGRAPH])[:5000]
    parts = split_text(text)
    assert len(parts) == 2
    assert all(utf16_length(part) <= MESSAGE_LIMIT for part in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )


def test_limit_counts_utf16_units_like_telegram() -> None:
    emoji = "\U0001f49a"  # outside the BMP: two UTF-16 units
    assert utf16_length(emoji) == 2
    parts = split_text(emoji * 3, 4)
    assert parts == [emoji * 2, emoji]


def test_keyboard_puts_two_short_buttons_per_row_and_long_ones_alone() -> None:
    keyboard = keyboard_for(
        [
            Button("Yes", "a"),
            Button("No", "b"),
            Button("Tell me how the treatment sessions work", "c"),
            Button("Risks", "d"),
        ]
    )
    assert keyboard is not None
    rows = [[button.text for button in row] for row in keyboard.inline_keyboard]
    assert rows == [["Yes", "No"], ["Tell me how the treatment sessions work"], ["Risks"]]
    assert keyboard.inline_keyboard[0][0].callback_data == "a"


def test_button_whose_action_exceeds_64_bytes_is_dropped_not_the_message() -> None:
    keyboard = keyboard_for([Button("Fine", "ok"), Button("Broken", "x" * 65)])
    assert keyboard is not None
    assert [row[0].text for row in keyboard.inline_keyboard] == ["Fine"]
    assert keyboard_for([Button("Broken", "é" * 33)]) is None  # 66 bytes


def test_buttons_go_under_the_last_part_only() -> None:
    reply = Reply(PARAGRAPH * 4, (Button("More", "f:more"),))
    parts = message_parts(reply)
    assert len(parts) == 2
    assert parts[0][1] is None
    assert parts[1][1] is not None


def test_split_reply_gives_one_reply_per_message_for_separate_outbox_rows() -> None:
    parts = split_reply(Reply(PARAGRAPH * 4, (Button("More", "f:more"),)))
    assert len(parts) == 2
    assert parts[0].buttons == ()
    assert parts[1].buttons == (Button("More", "f:more"),)
    assert split_reply(Reply("short", ())) == (Reply("short", ()),)
