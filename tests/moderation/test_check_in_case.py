"""A Yes or Not sure to the check-in opens a case and alerts, exactly as a crisis message does."""

from __future__ import annotations

import pytest

from bot.model import Risk, Route
from bot.moderation import CaseStatus, ModerationDesk
from bot.storage import Storage
from tests.auxil.moderation_people import Person, alerts, only_case

WEAK_TEXT = "I feel hopeless"


def check_in_buttons(person: Person) -> dict[str, str]:
    outcome = person.say(WEAK_TEXT)
    assert outcome.route is Route.CHECK_IN
    return {button.label: button.action for button in outcome.replies[0].buttons}


def test_a_check_in_alone_opens_no_case(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    check_in_buttons(person)
    assert desk.book.cases(include_resolved=True) == []
    assert alerts(storage) == []


@pytest.mark.parametrize(("label", "risk"), [("Yes", Risk.HIGH), ("Not sure", Risk.CONCERN)])
def test_yes_or_not_sure_opens_a_case_and_alerts(
    storage: Storage, desk: ModerationDesk, person: Person, label: str, risk: Risk
) -> None:
    buttons = check_in_buttons(person)
    outcome = person.press(buttons[label], label)
    assert outcome.route is Route.CRISIS
    case = only_case(desk)
    assert (case.status, case.risk, case.chat_id) == (CaseStatus.OPEN, risk, person.chat)
    assert case.rule == outcome.rule
    assert case.category == "check_in"
    assert len(alerts(storage)) == 1


def test_a_typed_refusal_opens_a_case(
    storage: Storage, desk: ModerationDesk, person: Person
) -> None:
    check_in_buttons(person)
    assert person.say("why do you care").route is Route.CRISIS
    assert only_case(desk).rule == "check_in.refused"


def test_no_opens_no_case(storage: Storage, desk: ModerationDesk, person: Person) -> None:
    buttons = check_in_buttons(person)
    outcome = person.press(buttons["No"], "No")
    assert outcome.route is not Route.CRISIS
    assert desk.book.cases(include_resolved=True) == []
    assert alerts(storage) == []
