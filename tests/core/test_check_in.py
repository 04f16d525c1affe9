"""The check-in: when the gate is unsure, ask directly, with the lines; act on the answer.

Today the gate marks a check-in when weak signals stay below the accumulation threshold ("I feel
hopeless", "where can i buy rope"), so those drive these tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import check_in
from bot.core.pipeline import Core
from bot.core.service import Service
from bot.crisis import default_wording
from bot.model import (
    ConversationRecord,
    Inbound,
    InboundKind,
    PendingCheckIn,
    Risk,
    Route,
)
from bot.storage import Storage
from bot.telegram.outgoing import keyboard_for
from tests.auxil.conversations import Conversation, reply_text

HOPELESS_TOPIC = "I feel hopeless, how does ketamine work"
MEANS = "where can i buy rope"
TREATMENT_WORDS = re.compile(
    r"ketamine|esketamine|spravato|infusion|nasal spray|antidepressant|dissociation|\bREMS\b",
    re.IGNORECASE,
)
WORDS = default_wording().check_in


def asked(person: Conversation, text: str = HOPELESS_TOPIC) -> dict[str, str]:
    """Send ``text``, check it got a check-in, and return its buttons' payloads by label."""
    outcome = person.say(text)
    assert outcome.route is Route.CHECK_IN, reply_text(outcome)
    return {button.label: button.action for button in outcome.replies[0].buttons}


# -- the question --------------------------------------------------------------------------------


def test_check_in_asks_one_direct_question_with_the_lines_and_three_answers(conversation) -> None:
    outcome = conversation().say(HOPELESS_TOPIC)
    assert outcome.route is Route.CHECK_IN
    assert len(outcome.replies) == 1
    reply = outcome.replies[0]
    assert reply.text.count("?") == 1
    assert WORDS.question in reply.text
    assert "988" in reply.text
    assert "741741" in reply.text
    assert "911" in reply.text
    assert "automated assistant, not a person" in reply.text
    assert TREATMENT_WORDS.search(reply.text) is None
    assert [button.label for button in reply.buttons] == ["Yes", "Not sure", "No"]
    for button in reply.buttons:
        assert button.action.startswith("sys:checkin:")
        assert len(button.action.encode("utf-8")) <= 64
    assert outcome.record.check_in is not None
    assert "check_in_asked" in outcome.events


def test_check_in_shows_the_lines_of_the_persons_country(conversation) -> None:
    outcome = conversation().say(HOPELESS_TOPIC, country="GB")
    assert outcome.route is Route.CHECK_IN
    assert "116 123" in reply_text(outcome)


@pytest.mark.parametrize(
    ("text", "instead_of"),
    [
        (HOPELESS_TOPIC, "NMDA"),  # a ketamine topic
        ("thank you for everything", "You're welcome"),  # the thanks reply
        ("goodbye", "Goodbye, and thank you"),  # the goodbye reply
        ("nothing matters anymore", "I'm not sure I understood"),  # the fallback
    ],
)
def test_check_in_comes_instead_of_a_topic_a_goodbye_or_the_fallback(
    conversation, text: str, instead_of: str
) -> None:
    outcome = conversation().say(text)
    assert outcome.route is Route.CHECK_IN
    assert instead_of not in reply_text(outcome)
    assert TREATMENT_WORDS.search(reply_text(outcome)) is None


def test_a_check_in_leaves_the_flow_state_where_it_was(conversation) -> None:
    person = conversation()
    person.command("start")
    outcome = person.say(HOPELESS_TOPIC)
    assert outcome.record.state == "menu"
    pending = outcome.record.check_in
    assert pending is not None
    assert (pending.answer, pending.state, pending.means) == ("answer", "how_it_works", False)


def test_no_check_in_while_in_crisis_mode(conversation) -> None:
    person = conversation()
    person.say("i want to kill myself")
    outcome = person.say("I feel hopeless")
    assert outcome.route is Route.CRISIS


# -- Yes, Not sure, refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(("label", "risk"), [("Yes", Risk.HIGH), ("Not sure", Risk.CONCERN)])
def test_yes_or_not_sure_enters_crisis_mode_like_a_crisis_message(
    conversation, label: str, risk: Risk
) -> None:
    person = conversation()
    buttons = asked(person)
    outcome = person.press(buttons[label], label)
    assert outcome.route is Route.CRISIS
    assert outcome.risk is risk
    assert "crisis_opened" in outcome.events
    assert outcome.rule == f"check_in.{'yes' if label == 'Yes' else 'not_sure'}"
    assert "988" in reply_text(outcome)
    assert "?" not in outcome.replies[0].text  # they have just answered a question
    assert outcome.record.crisis is not None
    assert outcome.record.check_in is None
    later = person.say("how does ketamine work")
    assert later.route is Route.CRISIS
    assert TREATMENT_WORDS.search(reply_text(later)) is None


@pytest.mark.parametrize(
    "answer",
    [
        "yes",
        "Yeah.",
        "yes i am",
        "sometimes",
        "sí",
        "oui",
        "ja",
        "sim",
        "sì",
        "ja, soms",
    ],
)
def test_a_typed_yes_in_any_supported_language_enters_crisis_mode(conversation, answer) -> None:
    person = conversation()
    asked(person)
    outcome = person.say(answer)
    assert outcome.route is Route.CRISIS
    assert outcome.risk is Risk.HIGH
    assert "crisis_opened" in outcome.events


@pytest.mark.parametrize(
    "answer",
    [
        "I don't know",
        "maybe",
        "yes and no",
        "no sé",
        "je sais pas",
        "keine Ahnung",
        "não sei",
        "non lo so",
        "weet ik niet",
    ],
)
def test_a_typed_not_sure_enters_crisis_mode(conversation, answer) -> None:
    person = conversation()
    asked(person)
    outcome = person.say(answer)
    assert outcome.route is Route.CRISIS
    assert outcome.risk is Risk.CONCERN


@pytest.mark.parametrize(
    "answer",
    [
        "why do you care",
        "does it matter?",
        "none of your business",
        "¿y a ti qué te importa?",
        "ça te regarde pas",
        "geht dich nichts an",
        "não é da sua conta",
        "non sono affari tuoi",
        "gaat je niks aan",
    ],
)
def test_a_refusal_or_evasive_answer_counts_as_not_sure(conversation, answer) -> None:
    person = conversation()
    asked(person)
    outcome = person.say(answer)
    assert outcome.route is Route.CRISIS
    assert outcome.rule == "check_in.refused"
    assert "crisis_opened" in outcome.events


def test_a_typed_answer_is_gated_first(conversation) -> None:
    person = conversation()
    asked(person)
    outcome = person.say("no. i want to kill myself")
    assert outcome.route is Route.CRISIS
    assert outcome.rule != "check_in.no"
    assert outcome.risk is Risk.HIGH


# -- No ------------------------------------------------------------------------------------------


def test_no_answers_what_was_asked_and_thanks(conversation) -> None:
    person = conversation()
    buttons = asked(person)
    outcome = person.press(buttons["No"], "No")
    assert outcome.route is Route.ANSWER
    assert outcome.record.state == "how_it_works"
    assert outcome.trigger == "how_it_works"
    text = reply_text(outcome)
    assert text.startswith(WORDS.after_no)
    assert "NMDA" in text
    assert outcome.record.check_in is None
    assert outcome.record.crisis is None


@pytest.mark.parametrize("answer", ["no", "nope", "No, I'm not", "nein", "não", "non", "nee"])
def test_a_typed_no_answers_what_was_asked(conversation, answer: str) -> None:
    person = conversation()
    asked(person)
    outcome = person.say(answer)
    assert outcome.route is Route.ANSWER
    assert "NMDA" in reply_text(outcome)


def test_no_to_a_means_question_still_gets_no_topic(conversation) -> None:
    person = conversation()
    buttons = asked(person, MEANS)
    assert person.record is not None
    assert person.record.check_in is not None
    assert person.record.check_in.means
    outcome = person.press(buttons["No"], "No")
    text = reply_text(outcome)
    assert outcome.route is Route.CHECK_IN
    assert outcome.replies[0].buttons == ()  # no topic buttons either
    assert TREATMENT_WORDS.search(text) is None
    assert "won't answer that question" in text
    assert "988" in text
    assert outcome.record.crisis is None


def test_no_to_a_held_back_advice_question_gets_the_advice_reply(conversation) -> None:
    person = conversation()
    asked(person, "I feel hopeless. can i stop taking my sertraline when i start spravato")
    outcome = person.say("no")
    assert outcome.route is Route.MEDICAL_ADVICE
    assert "clinician" in reply_text(outcome)


def test_no_to_a_held_back_fallback_gets_the_fallback_with_the_lines(conversation) -> None:
    person = conversation()
    asked(person, "nothing matters anymore")
    outcome = person.say("no")
    assert outcome.route is Route.FALLBACK
    assert "988" in reply_text(outcome)


def test_no_counts_as_a_weak_signal_for_the_rest_of_the_window(conversation) -> None:
    answered = conversation("answered")
    asked(answered, "I've been crying every night")
    answered.say("no")
    assert any(s.kind == check_in.SIGNAL_KIND for s in answered.record.signals)  # type: ignore[union-attr]
    # Crying and a "no" plus a loss reach the threshold; crying and a loss alone do not.
    assert answered.say("I got fired").route is Route.CRISIS
    other = conversation("other")
    asked(other, "I've been crying every night")
    assert other.say("I got fired").route is Route.CHECK_IN


def test_a_loss_alone_asks_nothing_but_a_second_loss_or_hopelessness_does(conversation) -> None:
    grief = conversation("grief")
    outcome = grief.say("my grandmother died last week at 91")
    assert outcome.route is not Route.CHECK_IN
    assert outcome.record.check_in is None
    assert [s.kind for s in outcome.record.signals] == ["loss"]  # remembered all the same
    assert grief.say("nothing matters anymore").route is Route.CRISIS
    losses = conversation("losses")
    assert losses.say("I lost my job").route is not Route.CHECK_IN
    assert losses.say("I got fired").route is Route.CHECK_IN  # two losses: 0.8, a hair below


# -- out of order --------------------------------------------------------------------------------


def test_no_pressed_twice_says_so_and_changes_nothing(conversation) -> None:
    person = conversation()
    buttons = asked(person)
    first = person.press(buttons["No"], "No")
    second = person.press(buttons["No"], "No")
    assert second.route is Route.SYSTEM
    assert reply_text(second) == WORDS.stale
    assert "check_in_stale" in second.events
    before, after = first.record, second.record
    assert after.with_changes(updated_at=0, turns=0) == before.with_changes(updated_at=0, turns=0)


def test_a_no_after_the_check_in_expired_changes_nothing(conversation) -> None:
    person = conversation()
    buttons = asked(person)
    outcome = person.send(InboundKind.BUTTON, button=buttons["No"], text="No", after=7 * 3600.0)
    assert outcome.route is Route.SYSTEM
    assert reply_text(outcome) == WORDS.stale
    assert outcome.record.crisis is None
    assert outcome.record.state != "how_it_works"


def test_a_no_from_an_older_check_in_does_not_answer_the_newer_one(conversation) -> None:
    person = conversation()
    old = asked(person)
    newer = person.send(InboundKind.TEXT, text=HOPELESS_TOPIC, after=30 * 3600.0)
    assert newer.route is Route.CHECK_IN
    outcome = person.press(old["No"], "No")
    assert outcome.route is Route.SYSTEM
    assert outcome.record.check_in is not None  # the newer one still waits


def test_a_stale_yes_still_enters_crisis_mode(conversation) -> None:
    """A "yes, I am thinking about suicide" is acted on whenever it comes."""
    person = conversation()
    buttons = asked(person)
    person.press(buttons["No"], "No")
    outcome = person.press(buttons["Yes"], "Yes")
    assert outcome.route is Route.CRISIS
    assert "crisis_opened" in outcome.events


def test_yes_pressed_twice_stays_in_crisis_without_opening_again(conversation) -> None:
    person = conversation()
    buttons = asked(person)
    person.press(buttons["Yes"], "Yes")
    again = person.press(buttons["Yes"], "Yes")
    assert again.route is Route.CRISIS
    assert "crisis_opened" not in again.events


@pytest.mark.parametrize(
    "payload",
    [
        "sys:checkin:",
        "sys:checkin:maybe:1",
        "sys:checkin:no:x",
        "sys:checkin:no:1:2",
        "sys:checkin:no:" + "9" * 19,
    ],
)
def test_a_malformed_check_in_payload_is_harmless(conversation, payload: str) -> None:
    person = conversation()
    asked(person)
    outcome = person.press(payload, "No")
    assert outcome.route is Route.ANSWER  # back to the topics, like any unknown sys: payload
    assert outcome.record.crisis is None
    assert "check_in_no" not in outcome.events


def test_moving_on_without_answering_lapses_the_check_in_with_a_weak_signal(conversation) -> None:
    person = conversation()
    asked(person)
    outcome = person.say("what is spravato")
    assert outcome.route is Route.ANSWER
    assert outcome.record.check_in is None
    assert "check_in_unanswered" in outcome.events
    assert outcome.record.signals[-1].kind == check_in.SIGNAL_KIND


def test_a_check_in_button_in_crisis_mode_gets_the_crisis_reply(conversation) -> None:
    person = conversation()
    buttons = asked(person)
    person.say("i want to kill myself")
    outcome = person.press(buttons["No"], "No")
    assert outcome.route is Route.CRISIS


# -- the fallback ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("country", "number"), [(None, "988"), ("GB", "116 123")])
def test_the_fallback_shows_the_crisis_numbers_of_the_persons_country(
    conversation, country: str | None, number: str
) -> None:
    outcome = conversation().say("blorp wibble", country=country)
    assert outcome.route is Route.FALLBACK
    assert number in reply_text(outcome)
    assert "/crisis" in reply_text(outcome)


def test_the_too_long_fallback_shows_the_crisis_numbers_too(conversation) -> None:
    outcome = conversation().say("word " * 3000)
    assert outcome.route is Route.FALLBACK
    assert "988" in reply_text(outcome)


# -- the record ----------------------------------------------------------------------------------


def test_the_pending_check_in_survives_json_both_ways(conversation) -> None:
    person = conversation()
    asked(person, MEANS)
    record = person.record
    assert record is not None
    assert record.check_in is not None
    again = ConversationRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record
    assert "rope" not in json.dumps(record.to_dict())  # the words are not kept


def test_a_record_written_before_check_ins_still_loads() -> None:
    old = {
        "conversation_id": "tg:1",
        "flow": "ketamine",
        "flow_version": "1",
        "state": "menu",
        "created_at": 1.0,
        "updated_at": 2.0,
    }
    assert ConversationRecord.from_dict(old).check_in is None
    pending = PendingCheckIn.from_dict({"asked_at": 5, "ref": 3})
    assert (pending.answer, pending.means, pending.flow) == ("fallback", False, None)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    opened = Storage.from_url(f"sqlite:///{tmp_path / 'check_in.db'}")
    opened.ensure_schema()
    yield opened
    opened.close()


class StoredPerson:
    """One person through the service and a real SQLite file, each turn its own transaction."""

    def __init__(self, core: Core, storage: Storage) -> None:
        self.service = Service(core, storage)
        self.storage = storage
        self.clock = 1e6

    def send(self, kind: InboundKind, **fields: str) -> Route:
        self.clock += 60.0
        inbound = Inbound("test:svc", kind, received_at=self.clock, **fields)  # type: ignore[arg-type]
        outcome = self.service.handle(inbound)
        assert outcome is not None
        return outcome.route

    def stored(self) -> ConversationRecord:
        with self.storage.conversation("test:svc") as tx:
            assert tx is not None
            record = tx.load()
        assert record is not None
        return record

    def payload(self, answer: str) -> str:
        pending = self.stored().check_in
        assert pending is not None
        return str(getattr(check_in.actions(pending.ref), answer))


def test_no_through_the_service_and_sqlite(core: Core, storage: Storage) -> None:
    person = StoredPerson(core, storage)
    assert person.send(InboundKind.TEXT, text=HOPELESS_TOPIC) is Route.CHECK_IN
    no = person.payload("no")
    assert person.send(InboundKind.BUTTON, button=no, text="No") is Route.ANSWER
    assert person.stored().state == "how_it_works"
    assert person.stored().check_in is None
    assert person.send(InboundKind.BUTTON, button=no, text="No") is Route.SYSTEM
    assert person.stored().state == "how_it_works"


def test_yes_through_the_service_and_sqlite_keeps_crisis_mode(core: Core, storage: Storage) -> None:
    person = StoredPerson(core, storage)
    assert person.send(InboundKind.TEXT, text=HOPELESS_TOPIC) is Route.CHECK_IN
    yes = person.payload("yes")
    assert person.send(InboundKind.BUTTON, button=yes, text="Yes") is Route.CRISIS
    crisis = person.stored().crisis
    assert crisis is not None
    assert crisis.rule == "check_in.yes"
    assert person.send(InboundKind.TEXT, text="what is spravato") is Route.CRISIS


def test_a_typed_no_to_a_means_question_through_the_service_and_sqlite(
    core: Core, storage: Storage
) -> None:
    person = StoredPerson(core, storage)
    assert person.send(InboundKind.TEXT, text=MEANS) is Route.CHECK_IN
    assert person.stored().check_in.means  # type: ignore[union-attr]
    assert person.send(InboundKind.TEXT, text="no") is Route.CHECK_IN
    assert person.stored().check_in is None
    assert person.stored().state == core.engine.entry.spec.initial  # no topic was opened


@pytest.mark.parametrize("country", [None, "US", "XX"])
def test_check_in_buttons_all_reach_the_telegram_keyboard(conversation, country) -> None:
    person = conversation()
    if country == "XX":
        person.press("sys:country:XX", "Somewhere else")  # the international card
    outcome = person.say(HOPELESS_TOPIC)
    record = outcome.record.with_changes(turns=10**12)  # a very long conversation's turn number
    big = Conversation(person.core, "long")
    big.record = record.with_changes(check_in=None)
    reply = big.say(HOPELESS_TOPIC).replies[0]
    for shown in (outcome.replies[0], reply):
        keyboard = keyboard_for(shown.buttons)
        assert keyboard is not None
        keys = [key for row in keyboard.inline_keyboard for key in row]
        assert [key.text for key in keys] == [button.label for button in shown.buttons]
        assert all(len(str(key.callback_data).encode()) <= 64 for key in keys)


# -- precedence of the advice guard ----------------------------------------------------------------


def test_an_advice_question_outranks_a_check_in_on_an_uncertain_score_alone(conversation) -> None:
    text = "how many mg of ketamine for someone who weighs 50 kg"
    outcome = conversation().say(text)
    assert outcome.route is Route.MEDICAL_ADVICE
    assert "clinician" in reply_text(outcome)


def test_an_advice_question_with_a_safety_net_word_still_gets_the_check_in(conversation) -> None:
    asked(conversation(), "is ketamine with alcohol dangerous, could i die")


def test_an_advice_question_with_a_weak_signal_still_gets_the_check_in(conversation) -> None:
    asked(conversation(), "I feel hopeless. how many mg of ketamine for someone who weighs 50 kg")


# -- unsure messages that add up -------------------------------------------------------------------

UNSURE = "sometimes i wonder if anyone would notice if i was gone"  # a check-in on meaning alone


def test_a_second_unsure_message_after_an_unanswered_check_in_opens_a_crisis(conversation) -> None:
    person = conversation()
    asked(person, UNSURE)
    outcome = person.say("everyone seems fine without me around lately")
    assert outcome.route is Route.CRISIS
    assert outcome.rule is not None
    assert outcome.rule.startswith("accumulated.")
    assert "crisis_opened" in outcome.events


def test_a_typed_no_after_an_unsure_check_in_is_the_answer_no(conversation) -> None:
    person = conversation()
    asked(person, UNSURE)
    outcome = person.say("no")
    assert outcome.route is Route.ANSWER
    assert "check_in_no" in outcome.events
    assert "crisis_opened" not in outcome.events


def test_a_dose_question_asked_twice_gets_the_clinician_answer_twice(conversation) -> None:
    # The advice answer outranks a check-in on meaning alone, and no check-in was asked, so the
    # first question leaves nothing to add up with the second.
    person = conversation()
    for _ in range(2):
        outcome = person.say("how many mg of ketamine should I take")
        assert outcome.route is Route.MEDICAL_ADVICE
        assert "crisis_opened" not in outcome.events
