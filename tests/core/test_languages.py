"""The person's language and country through the core: choice, message, app, then English."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.core.replies import ACTION_COUNTRY, ACTION_LANGUAGE
from bot.model import InboundKind, Route
from tests.auxil.conversations import Conversation, reply_text

Factory = Callable[..., Conversation]

GERMAN_CRISIS = "ich will nicht mehr leben, ich will mich umbringen"


def test_a_german_crisis_message_with_country_de_gets_german_and_telefonseelsorge(
    conversation: Factory,
) -> None:
    person = conversation()
    outcome = person.say(GERMAN_CRISIS, country="DE", language_code="de")
    assert outcome.route is Route.CRISIS
    text = reply_text(outcome)
    assert "TelefonSeelsorge" in text
    assert "0800 111 0 111" in text
    assert "automatischer Assistent" in text
    assert "988" not in text


def test_a_german_message_from_an_english_app_is_answered_in_german(
    conversation: Factory,
) -> None:
    person = conversation()
    outcome = person.say(GERMAN_CRISIS, country="DE", language_code="en")
    assert "automatischer Assistent" in reply_text(outcome)


def test_spanish_without_a_country_gets_the_spanish_card(conversation: Factory) -> None:
    person = conversation()
    outcome = person.command("crisis", language_code="es")
    text = reply_text(outcome)
    for number in ("024", "800 911 2000", "0800-999-0091", "*4141", "988", "AYUDA"):
        assert number in text
    assert "asistente automático" in text
    assert [b.action for b in outcome.replies[0].buttons][-2:] == [ACTION_COUNTRY, ACTION_LANGUAGE]


def test_a_region_in_the_app_language_picks_the_country(conversation: Factory) -> None:
    person = conversation()
    text = reply_text(person.command("crisis", language_code="pt-BR"))
    assert "188" in text
    assert "CVV" in text
    assert "automático" in text


def test_english_without_a_region_keeps_the_configured_default(conversation: Factory) -> None:
    text = reply_text(conversation().command("crisis", language_code="en"))
    assert "988" in text
    assert "Crisis lines (United States)" in text


def test_language_is_chosen_in_two_taps_and_wins_over_everything(conversation: Factory) -> None:
    person = conversation()
    person.say("ich habe eine Frage zu den Nebenwirkungen von Ketamin", language_code="de")
    picker = person.press(ACTION_LANGUAGE, "Sprache")
    actions = {b.label: b.action for b in picker.replies[0].buttons}
    assert actions["Français"] == "sys:language:fr"
    chosen = person.press(actions["Français"], "Français")
    assert "j'écrirai en Français" in reply_text(chosen)
    assert person.record is not None
    assert person.record.language == "fr"
    later = person.command("crisis", language_code="de")
    assert "assistant automatique" in reply_text(later)


def test_the_language_command_takes_a_code(conversation: Factory) -> None:
    person = conversation()
    outcome = person.command("language", "nl")
    assert "ik schrijf in het Nederlands" in reply_text(outcome)


@pytest.mark.parametrize("code", ["", "xx", "klingon", "../../etc", "DE DE DE" * 50])
def test_an_unknown_language_shows_the_picker(conversation: Factory, code: str) -> None:
    outcome = conversation().command("language", code)
    if code.lower().startswith("de"):
        assert outcome.record.language == "de"
        return
    buttons = [b.action for b in outcome.replies[0].buttons]
    assert "sys:language:de" in buttons
    assert buttons[-1] == ACTION_COUNTRY
    assert outcome.record.language is None


def test_the_detected_language_is_sticky_and_does_not_flicker(conversation: Factory) -> None:
    person = conversation()
    person.say("wie schnell wirkt Ketamin bei einer Depression eigentlich", language_code="en")
    assert person.record is not None
    assert person.record.detected_language == "de"
    person.say("what are the side effects of the infusion")
    assert person.record.detected_language == "de"  # one English message does not switch
    person.say("ok")  # too short to say anything
    person.say("and how long does one session usually take")
    assert person.record.detected_language == "en"  # two in a row do


def test_a_topic_answer_in_another_language_says_the_topics_are_english(
    conversation: Factory,
) -> None:
    person = conversation()
    outcome = person.command("start", language_code="de")
    text = reply_text(outcome)
    assert text.startswith("Hallo. Ich bin ein automatischer Assistent")
    answer = person.say("Welche Nebenwirkungen hat eine Ketamin-Infusion normalerweise?")
    assert answer.route in (Route.ANSWER, Route.FALLBACK)
    assert "auf Englisch" in reply_text(answer) or "Thema" in reply_text(answer)


def test_stickers_get_the_text_only_reply_in_the_persons_language(conversation: Factory) -> None:
    outcome = conversation().send(InboundKind.NON_TEXT, language_code="it-IT")
    text = reply_text(outcome)
    assert "Posso leggere solo testo" in text
    assert "Telefono Amico" in text


def test_the_record_keeps_the_language_across_storage(conversation: Factory) -> None:
    from bot.model import ConversationRecord

    person = conversation()
    person.command("language", "es")
    assert person.record is not None
    again = ConversationRecord.from_dict(person.record.to_dict())
    assert again.language == "es"


def test_in_crisis_mode_the_language_is_two_taps_away_and_the_lines_follow_it(
    conversation: Factory,
) -> None:
    person = conversation()
    first = person.say("i want to kill myself", language_code="en")
    assert first.route is Route.CRISIS
    assert ACTION_LANGUAGE in [b.action for b in first.replies[0].buttons]
    picker = person.press(ACTION_LANGUAGE, "Language")
    assert picker.route is Route.CRISIS
    assert "988" in reply_text(picker)  # the lines stay under the picker
    chosen = person.press("sys:language:de", "Deutsch")
    assert chosen.route is Route.CRISIS
    text = reply_text(chosen)
    assert "Ich schreibe auf Deutsch" in text
    assert "Krisentelefone" in text
