"""Answers outside crisis: flows, fallback, the advice guard, system commands, no doses anywhere."""

from __future__ import annotations

import re

import pytest

from bot.core.pipeline import Core
from bot.model import InboundKind, Route
from tests.auxil.conversations import reply_text

DOSE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:mg/kg|mg|ml|mcg|µg|milligrams?|micrograms?|sprays?|units?|tablets?)\b",
    re.IGNORECASE,
)
ADVICE = [
    "what dose of ketamine is right for someone my weight",
    "can i stop taking my sertraline when i start spravato",
    "is it fine to have a few beers after my infusion",
    "i'm pregnant, can i still get esketamine",
]


def test_start_shows_the_menu_with_topic_buttons(conversation) -> None:
    outcome = conversation().command("start")
    assert outcome.route is Route.ANSWER
    assert outcome.record.state == "menu"
    assert len(outcome.replies[0].buttons) >= 6


def test_topic_question_lands_on_the_topic_with_sources(conversation) -> None:
    outcome = conversation().say("How does ketamine work in the brain?")
    assert outcome.route is Route.ANSWER
    assert outcome.record.state == "how_it_works"
    text = reply_text(outcome)
    assert "Sources:" in text
    assert "Reviewed:" in text


def test_button_press_moves_between_topics(conversation) -> None:
    person = conversation()
    menu = person.command("menu")
    first = menu.replies[0].buttons[0]
    outcome = person.press(first.action, first.label)
    assert outcome.route is Route.ANSWER
    assert outcome.record.state != "menu"


def test_an_old_or_forged_button_is_answered_with_where_we_are(conversation) -> None:
    person = conversation()
    person.command("menu")
    for action in ("f:ketamine:no_such_trigger", "f:nosuchflow:x", "garbage", "f:", ""):
        outcome = person.press(action, "?")
        assert outcome.route is Route.ANSWER
        assert outcome.replies[0].text


@pytest.mark.parametrize("text", ["asdfghjkl", "🙂", "   ", "1234", "what's the weather"])
def test_unmatched_input_gets_the_fallback_with_topics(conversation, text) -> None:
    outcome = conversation().say(text)
    assert outcome.route is Route.FALLBACK
    assert "automated assistant" in outcome.replies[0].text
    assert outcome.replies[0].buttons


@pytest.mark.parametrize("text", ADVICE)
def test_personal_medical_advice_goes_to_a_clinician(conversation, text) -> None:
    outcome = conversation().say(text)
    assert outcome.route is Route.MEDICAL_ADVICE
    assert "clinician" in reply_text(outcome).lower()
    assert DOSE.search(reply_text(outcome)) is None


def test_no_reply_any_flow_can_produce_states_a_dose(core: Core) -> None:
    for flow, state, reply in core.engine.all_replies():
        assert DOSE.search(reply.full_text()) is None, f"{flow}.{state} states a dose"


def test_non_text_gets_a_text_only_notice_with_the_crisis_line(conversation) -> None:
    outcome = conversation().send(InboundKind.NON_TEXT)
    assert outcome.route is Route.SYSTEM
    assert "988" in reply_text(outcome)


def test_forget_asks_first_and_then_deletes(conversation) -> None:
    person = conversation()
    ask = person.command("forget")
    assert {b.action for b in ask.replies[0].buttons} == {"sys:forget:yes", "sys:forget:no"}
    assert "forget" not in person.press("sys:forget:no").events
    assert "forget" in person.press("sys:forget:yes").events


def test_country_picker_and_unknown_country(conversation) -> None:
    person = conversation()
    picker = person.command("country")
    assert any(b.action == "sys:country:GB" for b in picker.replies[0].buttons)
    outcome = person.command("country", "zz")
    assert "findahelpline" in reply_text(outcome).lower()


def test_a_record_whose_state_no_longer_exists_restarts_with_a_notice(conversation) -> None:
    person = conversation()
    person.say("hello")
    assert person.record is not None
    person.record = person.record.with_changes(state="removed_state")
    outcome = person.say("how does ketamine work")
    assert "flow_restarted" in outcome.events
    assert outcome.record.state == "how_it_works"
