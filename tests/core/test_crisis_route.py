"""The crisis gate runs before everything, from every state, on every entry path, and sticks."""

from __future__ import annotations

import re

import pytest

from bot.app import load_engine
from bot.config import load_config
from bot.model import InboundKind, Risk, Route
from tests.auxil.conversations import EXAMPLE_CONFIG, Conversation, reply_text

ENGINE = load_engine(load_config(EXAMPLE_CONFIG).flows_dir, "ketamine")
EVERY_STATE = [(flow.name, state) for flow in ENGINE.flows.values() for state in flow.states]
CRISIS_TEXTS = [
    "i think i want to kill myself",
    "honestly i'd rather not wake up tomorrow",
    "how many of my pills would it take to not wake up",
]
TREATMENT_WORDS = re.compile(
    r"ketamine|esketamine|spravato|infusion|nasal spray|antidepressant|dissociation|\bREMS\b",
    re.IGNORECASE,
)


def _at(conversation: Conversation, flow: str, state: str) -> Conversation:
    conversation.say("hello")
    assert conversation.record is not None
    conversation.record = conversation.record.with_changes(flow=flow, state=state)
    return conversation


def _assert_crisis(outcome_text: str, route: Route) -> None:
    assert route is Route.CRISIS
    assert "988" in outcome_text  # the example config's default country is the US
    assert TREATMENT_WORDS.search(outcome_text) is None


@pytest.mark.parametrize(("flow", "state"), EVERY_STATE)
@pytest.mark.parametrize(
    "kind", [InboundKind.TEXT, InboundKind.EDIT, InboundKind.CAPTION, InboundKind.COMMAND]
)
def test_crisis_text_from_every_state_and_entry_path(core, flow, state, kind) -> None:
    for text in CRISIS_TEXTS:
        conversation = _at(Conversation(core), flow, state)
        fields = (
            {"command": "menu", "text": text} if kind is InboundKind.COMMAND else {"text": text}
        )
        outcome = conversation.send(kind, **fields)
        _assert_crisis(reply_text(outcome), outcome.route)


@pytest.mark.parametrize(("flow", "state"), EVERY_STATE)
def test_button_press_with_crisis_words_is_gated(core, flow, state) -> None:
    conversation = _at(Conversation(core), flow, state)
    outcome = conversation.press("f:ketamine:menu", label="i want to end my life")
    _assert_crisis(reply_text(outcome), outcome.route)


@pytest.mark.parametrize(
    "denial", ["jk", "I'm fine", "lol just kidding", "never mind, forget it", "ok im good now"]
)
def test_crisis_mode_holds_across_a_denial(conversation, denial) -> None:
    person = conversation()
    assert person.say("I want to kill myself").route is Route.CRISIS
    assert person.say(denial).route is Route.CRISIS
    outcome = person.say("how does ketamine work")
    _assert_crisis(reply_text(outcome), outcome.route)


def test_buttons_and_commands_in_crisis_mode_give_no_treatment_content(conversation) -> None:
    person = conversation()
    person.say("i want to die")
    for outcome in (
        person.press("f:ketamine:side_effects", "Side effects"),
        person.command("menu"),
        person.command("start"),
        person.command("help"),
        person.send(InboundKind.NON_TEXT),
    ):
        _assert_crisis(reply_text(outcome), outcome.route)


def test_crisis_replies_vary_on_repeats(conversation) -> None:
    person = conversation()
    texts = [reply_text(person.say(text)) for text in ("i want to die", "ok", "fine")]
    assert len(set(texts)) == 3


def test_crisis_mode_ends_after_the_cooldown_without_a_new_signal(conversation) -> None:
    person = conversation()
    person.say("i want to die")
    assert person.say("hi", after=23 * 3600).route is Route.CRISIS
    outcome = person.say("how does ketamine work", after=24 * 3600 + 1)
    assert outcome.route is Route.ANSWER
    assert "crisis_cooled_down" in outcome.events


def test_a_new_signal_restarts_the_cooldown(conversation) -> None:
    person = conversation()
    person.say("i want to die")
    person.say("i still want to die", after=20 * 3600)
    assert person.say("how does ketamine work", after=20 * 3600).route is Route.CRISIS


def test_risk_accumulates_across_turns(conversation) -> None:
    person = conversation()
    assert person.say("I lost my job today").route is not Route.CRISIS
    outcome = person.say("honestly nothing matters anymore")
    assert outcome.route is Route.CRISIS
    assert outcome.category == "accumulated"


def test_signals_fade_when_far_apart(conversation) -> None:
    person = conversation()
    assert person.say("I lost my job today").route is not Route.CRISIS
    assert person.say("honestly nothing matters anymore", after=3 * 86400).route is not Route.CRISIS


def test_a_means_question_alone_routes_to_crisis(conversation) -> None:
    outcome = conversation().say("which bridges around here are the highest")
    assert outcome.route is Route.CRISIS
    assert outcome.category == "means"


def test_risk_rises_and_is_reported(conversation) -> None:
    person = conversation()
    first = person.say("my friend says she wants to die")
    assert first.route is Route.CRISIS
    second = person.say("i have the pills here and i'm taking them tonight")
    assert second.risk is Risk.IMMINENT
    assert "crisis_raised" in second.events


def test_country_choice_changes_the_lines(conversation) -> None:
    person = conversation()
    person.command("country", "GB")
    outcome = person.say("i want to kill myself")
    text = reply_text(outcome)
    assert "116 123" in text
    assert "999" in text


def test_language_hint_picks_the_country(conversation) -> None:
    person = conversation()
    outcome = person.say("i want to kill myself", language_code="en-AU")
    assert "13 11 14" in reply_text(outcome)


def test_crisis_command_shows_lines_at_once(conversation) -> None:
    outcome = conversation().command("crisis")
    assert "988" in reply_text(outcome)
    assert outcome.route is Route.SYSTEM


def test_asking_for_a_person_in_crisis_keeps_the_lines(conversation) -> None:
    person = conversation()
    person.say("i want to die")
    outcome = person.press("sys:human", "Talk to a person")
    assert "human_requested" in outcome.events
    _assert_crisis(reply_text(outcome), outcome.route)


def test_huge_message_is_still_gated(conversation) -> None:
    text = "tell me about ketamine. " * 5000 + " i want to kill myself"
    outcome = conversation().say(text)
    assert outcome.route is Route.CRISIS


def test_group_messages_are_gated_and_crisis_gets_the_lines(core) -> None:
    crisis = core.group_reply("honestly i want to kill myself")
    assert crisis is not None
    assert "988" in crisis.text
    assert TREATMENT_WORDS.search(crisis.text) is None
    notice = core.group_reply("what is ketamine")
    assert notice is not None
    assert "private message" in notice.text
    assert "emergency" in notice.text
    assert core.group_reply("fixed a typo", edited=True) is None
    edited_crisis = core.group_reply("i want to kill myself", edited=True)
    assert edited_crisis is not None
    assert "988" in edited_crisis.text
