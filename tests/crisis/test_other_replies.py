"""The medical-advice reply, the non-text reply and the crisis lines on request."""

from __future__ import annotations

import re

import pytest

from bot.core.replies import (
    ACTION_COUNTRY,
    ACTION_HUMAN,
    ACTION_LANGUAGE,
    ACTION_MENU,
    CrisisReplies,
)
from bot.crisis import CrisisLines, default_wording
from bot.model import Button

ADVICE_REASONS = (*sorted(default_wording().advice.reasons), "an_unknown_reason", "", "DOSE")
COUNTRIES = ("US", "CA", "GB", "IE", "AU", "DE", "BR", None, "PE")


# --- medical advice ----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ADVICE_REASONS)
def test_advice_reply_explains_why_and_sends_to_a_clinician_without_any_number(
    replies: CrisisReplies, reason: str
) -> None:
    reply = replies.medical_advice(reason=reason, topic_label=None, topic_action=None)
    text = reply.text
    assert "can't advise on your own treatment" in text
    assert "health history" in text
    assert "medicines you take" in text
    assert "clinician" in text
    assert not re.search(r"\d", text), "the advice reply states no number, so no dose"
    assert "?" not in text
    assert len(text) < 4096


@pytest.mark.parametrize(
    ("reason", "looks_at"),
    [
        ("mixing", ["interact", "blood pressure"]),
        ("age", ["approved for your age group", "safety"]),
        ("dose", ["prescribed for you"]),
        ("stopping", ["reduced gradually", "withdrawal"]),
        ("access", ["supervised", "without a prescription"]),
        ("health_condition", ["heart and blood pressure"]),
        ("Mixing", ["interact"]),
        ("something_new", ["your health history"]),
    ],
)
def test_advice_reply_names_what_a_clinician_would_look_at_for_the_reason(
    replies: CrisisReplies, reason: str, looks_at: list[str]
) -> None:
    text = replies.medical_advice(reason=reason, topic_label=None, topic_action=None).text
    for phrase in looks_at:
        assert phrase in text


def test_advice_reply_offers_the_related_topic_and_the_menu(replies: CrisisReplies) -> None:
    reply = replies.medical_advice(
        reason="mixing", topic_label="Side effects and safety", topic_action="flow:safety"
    )
    assert reply.buttons[0] == Button(label="Side effects and safety", action="flow:safety")
    assert reply.buttons[-1].action == ACTION_MENU
    assert '"Side effects and safety"' in reply.text


@pytest.mark.parametrize(
    ("label", "action"), [(None, None), ("Costs", None), (None, "flow:costs"), ("", "flow:costs")]
)
def test_advice_reply_without_a_complete_topic_offers_only_the_menu(
    replies: CrisisReplies, label: str | None, action: str | None
) -> None:
    reply = replies.medical_advice(reason="dose", topic_label=label, topic_action=action)
    assert [button.action for button in reply.buttons] == [ACTION_MENU]
    assert "see" not in reply.text.split("\n\n")[-1]


# --- non-text ------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", COUNTRIES)
def test_non_text_reply_asks_for_text_and_gives_one_line_and_the_emergency_number(
    replies: CrisisReplies, lines: CrisisLines, country: str | None
) -> None:
    reply = replies.non_text(country=country)
    place = lines.for_country(country)
    first = place.services[0]
    assert "only read text" in reply.text
    assert "type your question" in reply.text
    assert f"call {place.emergency.call}" in reply.text
    assert (first.call or first.text or first.web or "") in reply.text
    assert len(reply.text.splitlines()) <= 3
    assert "?" not in reply.text


def test_non_text_reply_for_an_unknown_country_points_to_the_directory_and_local_number(
    replies: CrisisReplies,
) -> None:
    text = replies.non_text(country=None).text
    assert "findahelpline.com" in text
    assert "112 or your local emergency number" in text


# --- crisis lines on request ---------------------------------------------------------------------


@pytest.mark.parametrize("country", COUNTRIES)
def test_lines_only_reply_gives_every_number_and_never_the_menu(
    replies: CrisisReplies, lines: CrisisLines, country: str | None
) -> None:
    reply = replies.crisis_lines_only(country=country)
    place = lines.for_country(country)
    shown = place.other_countries if place.is_international else (place,)
    for each in shown:
        assert each.emergency.call in reply.text
        assert each.callable_services()[0].call in reply.text
        for texter in each.textable_services()[:1]:
            assert texter.text in reply.text
    assert "automated assistant" in reply.text
    assert [button.action for button in reply.buttons] == [ACTION_COUNTRY, ACTION_LANGUAGE]
    assert "?" not in reply.text


def test_lines_only_reply_offers_a_person_when_handoff_works(replies: CrisisReplies) -> None:
    reply = replies.crisis_lines_only(country="GB", handoff_available=True)
    assert [button.action for button in reply.buttons] == [
        ACTION_HUMAN,
        ACTION_COUNTRY,
        ACTION_LANGUAGE,
    ]
    assert "Talk to a person" in reply.text
