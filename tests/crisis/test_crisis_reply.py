"""The crisis reply over every country x risk x category x repeat, against safe-messaging.md."""

from __future__ import annotations

import re

import pytest

from bot.core.replies import (
    ACTION_COUNTRY,
    ACTION_HUMAN,
    ACTION_LANGUAGE,
    ACTION_MENU,
    CrisisReplies,
    HumanContact,
)
from bot.crisis import CountryLines, CrisisLines, load_crisis_lines
from bot.model import Reply, Risk
from tests.crisis.invented import CONTACTS

# The English card's countries, one without a text line, one with notes, and two unknown ones.
COUNTRIES: tuple[str | None, ...] = (
    *load_crisis_lines().known_countries()[:5],
    "DE",
    "CH",
    None,
    "PE",
)
CATEGORIES = (  # the gate's categories, plus one the wording does not map (the person's voice)
    "explicit",
    "passive",
    "coded",
    "self_harm",
    "means",
    "planning",
    "third_party",
    "mention",
    "accumulated",
    "unmapped_category",
)
REPEATS = range(4)

MATRIX = [
    pytest.param(country, risk, category, repeat, id=f"{country}-{risk.value}-{category}-{repeat}")
    for country in COUNTRIES
    for risk in Risk
    for category in CATEGORIES
    for repeat in REPEATS
]

BANNED = [
    r"commit(s|ted|ting)? suicide",
    r"successful",
    r"ketamine",
    r"esketamine",
    r"spravato",
    r"\bdos(e|es|ing|age)\b",
    r"\bmg\b",
    r"treatment",
    r"medication",
    r"medicine",
    r"\bpills?\b",
    r"overdose",
    r"lethal",
    r"secret",
    r"confidential",
    r"\bpromise",
    r"between (you and me|us)",
    r"\bi(’|')?m (a )?(human|real person)",
    r"\bi am (a )?(human|real person)",
    r"diagnos",
    r"you (have|are suffering from) (depression|a disorder)",
    r"can'?t help with that",
]
MARKUP = ("*", "_", "`", "<", ">", "[", "](", "<b>")


def expected_numbers(country: CountryLines) -> list[str]:
    """The call, text and emergency numbers a reply for ``country`` must show."""
    if country.is_international:
        numbers = ["findahelpline.com", country.emergency.call]
        for other in country.other_countries:
            numbers += [other.services[0].call or "", other.emergency.call]
            numbers += [service.text or "" for service in other.textable_services()[:1]]
        return numbers
    numbers = [country.emergency.call]
    numbers += [service.call for service in country.services if service.call]
    numbers += [service.text for service in country.services if service.text]
    return numbers


def first_line_number(country: CountryLines) -> str:
    """The first crisis-line number a person would reach (not the emergency number)."""
    shown = country.other_countries[0] if country.is_international else country
    call = shown.callable_services()[0].call
    assert call is not None
    return call


Built = dict[tuple[str | None, Risk, str, int], Reply]


def question_sentences(text: str) -> list[str]:
    return re.findall(r"[^.!?\n]*\?", text)


@pytest.fixture(scope="module")
def build(replies: CrisisReplies) -> Built:
    """Every reply of the matrix, built once."""
    return {
        (country, risk, category, repeat): replies.crisis(
            risk=risk, category=category, country=country, repeat=repeat
        )
        for country in COUNTRIES
        for risk in Risk
        for category in CATEGORIES
        for repeat in (*REPEATS, max(REPEATS) + 1)
    }


@pytest.mark.parametrize(("country", "risk", "category", "repeat"), MATRIX)
class TestEveryCrisisReply:
    def test_gives_the_countrys_call_text_and_emergency_numbers(
        self,
        build: Built,
        lines: CrisisLines,
        country: str | None,
        risk: Risk,
        category: str,
        repeat: int,
    ) -> None:
        text = build[country, risk, category, repeat].text
        for number in expected_numbers(lines.for_country(country)):
            assert number in text

    def test_says_it_is_an_automated_assistant_not_a_person(
        self, build: Built, country: str | None, risk: Risk, category: str, repeat: int
    ) -> None:
        text = build[country, risk, category, repeat].text
        assert "automated assistant" in text
        assert "not a person or a clinician" in text

    def test_asks_at_most_one_direct_question_and_not_on_every_repeat(
        self, build: Built, country: str | None, risk: Risk, category: str, repeat: int
    ) -> None:
        text = build[country, risk, category, repeat].text
        questions = question_sentences(text)
        assert len(questions) == (1 if repeat % 2 == 0 else 0)
        assert text.count("?") == len(questions)
        assert not any("right?" in q or "don't" in q.lower() for q in questions)  # not leading

    def test_contains_no_banned_wording(
        self, build: Built, country: str | None, risk: Risk, category: str, repeat: int
    ) -> None:
        text = build[country, risk, category, repeat].full_text().lower()
        found = [pattern for pattern in BANNED if re.search(pattern, text)]
        assert not found

    def test_is_plain_text_under_the_telegram_limit(
        self, build: Built, country: str | None, risk: Risk, category: str, repeat: int
    ) -> None:
        text = build[country, risk, category, repeat].text
        assert len(text) < 4096
        assert not any(mark in text for mark in MARKUP)

    def test_differs_from_the_next_repeat_around_the_same_lines(
        self, build: Built, country: str | None, risk: Risk, category: str, repeat: int
    ) -> None:
        now = build[country, risk, category, repeat].text.split("\n\n")
        later = build[country, risk, category, repeat + 1].text.split("\n\n")
        card = next(i for i, part in enumerate(now) if "Emergency services: call" in part)
        assert now[card] in later  # the lines are always present, unchanged
        assert [part for part in now[:card] if part not in later], "same opening"
        closing_now = [part for part in now if not part.endswith("?")][-1]
        closing_later = [part for part in later if not part.endswith("?")][-1]
        assert closing_now != closing_later, "same closing"

    def test_offers_a_person_and_a_country_but_never_the_topic_menu(
        self, build: Built, country: str | None, risk: Risk, category: str, repeat: int
    ) -> None:
        reply = build[country, risk, category, repeat]
        actions = [button.action for button in reply.buttons]
        assert actions == [ACTION_HUMAN, ACTION_COUNTRY, ACTION_LANGUAGE]
        assert ACTION_MENU not in actions
        for contact in CONTACTS:
            assert f"{contact.name}: {contact.reach} ({contact.hours})" in reply.text

    def test_imminent_puts_the_emergency_number_before_the_crisis_line(
        self,
        build: Built,
        lines: CrisisLines,
        country: str | None,
        risk: Risk,
        category: str,
        repeat: int,
    ) -> None:
        text = build[country, risk, category, repeat].text
        place = lines.for_country(country)
        emergency_first = text.index(place.emergency.call) < text.index(first_line_number(place))
        assert emergency_first is (risk is Risk.IMMINENT)


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("risk", list(Risk))
def test_third_party_reply_is_written_for_a_helper(
    replies: CrisisReplies, country: str | None, risk: Risk
) -> None:
    for repeat in REPEATS:
        text = replies.crisis(
            risk=risk, category="third_party", country=country, repeat=repeat
        ).text.lower()
        assert "ask" in text
        assert "listen" in text
        assert "in danger" in text
        assert "them" in text
        assert "are you thinking about ending your life" not in text


@pytest.mark.parametrize("repeat", REPEATS)
def test_mention_reply_sets_the_educational_topics_aside(
    replies: CrisisReplies, repeat: int
) -> None:
    text = replies.crisis(risk=Risk.CONCERN, category="mention", country="US", repeat=repeat).text
    assert "educational topics" in text


@pytest.mark.parametrize("country", COUNTRIES)
def test_unknown_country_offers_to_pick_one(replies: CrisisReplies, country: str | None) -> None:
    reply = replies.crisis(risk=Risk.HIGH, category="explicit", country=country, repeat=0)
    labels = {button.action: button.label for button in reply.buttons}
    if country in (None, "PE"):
        assert "don't know which country" in reply.text
        assert labels[ACTION_COUNTRY] in reply.text
    else:
        assert "don't know which country" not in reply.text


def test_without_handoff_there_is_no_talk_button_but_contacts_remain(
    replies: CrisisReplies,
) -> None:
    reply = replies.crisis(
        risk=Risk.HIGH, category="explicit", country="GB", repeat=0, handoff_available=False
    )
    assert [button.action for button in reply.buttons] == [ACTION_COUNTRY, ACTION_LANGUAGE]
    assert "Talk to a person" not in reply.text
    assert CONTACTS[0].reach in reply.text


def test_without_handoff_or_contacts_the_reply_still_points_to_trusted_people(
    lines: CrisisLines,
) -> None:
    reply = CrisisReplies(lines, ()).crisis(
        risk=Risk.CONCERN, category="passive", country="AU", repeat=0, handoff_available=False
    )
    assert "our team" not in reply.text.lower()
    assert "trust" in reply.text
    assert "13 11 14" in reply.text


def test_many_team_contacts_still_fit_one_message(lines: CrisisLines) -> None:
    contacts = [
        HumanContact(f"Team member number {i} with a long name", f"member{i}@team.example", "Daily")
        for i in range(12)
    ]
    reply = CrisisReplies(lines, contacts).crisis(
        risk=Risk.IMMINENT, category="third_party", country=None, repeat=0
    )
    assert len(reply.text) < 4096


def test_negative_repeat_is_treated_as_the_first_reply(replies: CrisisReplies) -> None:
    first = replies.crisis(risk=Risk.HIGH, category="explicit", country="CA", repeat=0)
    odd = replies.crisis(risk=Risk.HIGH, category="explicit", country="CA", repeat=-3)
    assert odd == first
