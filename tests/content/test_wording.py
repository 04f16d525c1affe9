"""The wording is balanced, states no dose, gives no personal advice and keeps crisis words out.

The patterns live in tests/content/wording.py; the first tests here check them on invented
examples, the rest apply them to every reply, fallback and button label in flows/.
"""

from __future__ import annotations

import re

import pytest

from tests.content.flow_files import StateRef, all_flows, all_texts, educational_states
from tests.content.wording import (
    CLINICIAN_LINE,
    CRISIS_WORD,
    DIRECTIVE,
    DOSE,
    HEDGED,
    PROMOTIONAL,
    SCHEDULE,
)

TEXTS = all_texts()
TEXT_IDS = [where for where, _ in TEXTS]
# The only reply that may name a crisis word: the label's boxed warning lists "suicidal thoughts
# and behaviours in young people", and leaving it out would misstate the label. That reply also
# points to /crisis.
CRISIS_WORD_ALLOWED = frozenset({"ketamine/side_effects"})


@pytest.mark.parametrize(
    "text",
    [
        "the usual amount is 56 mg",
        "0.5mg/kg over forty minutes",
        "0.5 mg / kg",
        "three sprays in each nostril",
        "take 2 tablets",
        "one pill",
        "84mg",
        "250 µg",
        "10 ml of solution",
        "several doses",
        "twenty milligrams",
    ],
)
def test_dose_pattern_catches_amounts(text: str) -> None:
    assert DOSE.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "at least 2 hours of monitoring",
        "about 40 minutes after a dose",
        "USD 400 to 800 per infusion",
        "raised blood pressure (11.5%, against 4% on placebo)",
        "two antidepressants have not worked",
        "Schedule III controlled substances",
        "a meta-analysis of nine trials (368 people)",
        "Han et al. 2016",
    ],
)
def test_dose_pattern_spares_ordinary_numbers(text: str) -> None:
    assert not DOSE.search(text)


@pytest.mark.parametrize(
    "text",
    ["twice a week", "once weekly", "every 3 days", "two times per week", "the induction phase"],
)
def test_schedule_pattern_catches_dosing_schedules(text: str) -> None:
    assert SCHEDULE.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "Highly effective for everyone",
        "a life-saving option",
        "a breakthrough",
        "AI-driven therapy",
        "it repairs the brain",
        "a cure for depression",
    ],
)
def test_promotional_pattern_catches_overclaims(text: str) -> None:
    assert PROMOTIONAL.search(text)


@pytest.mark.parametrize(
    "text",
    ["you should try ketamine", "stop taking your antidepressant", "double your dose"],
)
def test_directive_pattern_catches_personal_advice(text: str) -> None:
    assert DIRECTIVE.search(text)


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=TEXT_IDS)
def test_no_text_states_a_dose(where: str, text: str) -> None:
    assert not DOSE.search(text), f"{where}: {DOSE.search(text)}"


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=TEXT_IDS)
def test_no_text_states_a_dosing_schedule(where: str, text: str) -> None:
    assert not SCHEDULE.search(text), f"{where}: {SCHEDULE.search(text)}"


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=TEXT_IDS)
def test_no_text_overclaims(where: str, text: str) -> None:
    assert not PROMOTIONAL.search(text), f"{where}: {PROMOTIONAL.search(text)}"


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=TEXT_IDS)
def test_no_text_tells_a_person_what_to_do_with_their_treatment(where: str, text: str) -> None:
    assert not DIRECTIVE.search(text), f"{where}: {DIRECTIVE.search(text)}"


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=TEXT_IDS)
def test_crisis_words_appear_only_where_allowed_and_with_the_crisis_command(
    where: str, text: str
) -> None:
    if where in CRISIS_WORD_ALLOWED:
        assert "/crisis" in text
    else:
        assert not CRISIS_WORD.search(text), f"{where}: {CRISIS_WORD.search(text)}"


@pytest.mark.parametrize("ref", educational_states(), ids=str)
def test_educational_answer_ends_by_pointing_to_a_clinician(ref: StateRef) -> None:
    last_paragraph = ref.state.reply.strip().split("\n\n")[-1]
    assert CLINICIAN_LINE.search(last_paragraph)


def test_mechanism_is_described_as_a_hypothesis() -> None:
    how = next(ref for ref in educational_states() if ref.state.name == "how_it_works")
    assert HEDGED.search(how.state.reply)


@pytest.mark.parametrize(
    ("topic", "required"),
    [
        ("speed_duration", [r"many did not respond", r"within about a week"]),
        ("spravato", [r"2019", r"2025", r"Schedule III"]),
        ("rems_session", [r"at least 2 hours", r"blood pressure", r"next day", r"ride home"]),
        ("iv_offlabel", [r"off-label", r"only as an anaesthetic"]),
        ("side_effects", [r"ASPIRE", r"boxed warning", r"bladder"]),
        ("at_home", [r"10 October 2023", r"16 February 2022"]),
        ("cost", [r"check with your insurer", r"prior authorisation"]),
        ("research", [r"no evidence"]),
        ("evidence", [r"Han et al\. 2016", r"ESCAPE-TRD", r"ELEKT-D", r"many do not respond"]),
    ],
)
def test_topic_keeps_the_balancing_facts_it_is_written_around(
    topic: str, required: list[str]
) -> None:
    reply = next(ref.state.reply for ref in educational_states() if ref.state.name == topic)
    flat = " ".join(reply.split())
    missing = [pattern for pattern in required if not re.search(pattern, flat, re.IGNORECASE)]
    assert missing == []


@pytest.mark.parametrize("ref", educational_states(), ids=str)
def test_answer_that_reports_benefit_also_reports_non_response(ref: StateRef) -> None:
    flat = " ".join(ref.state.reply.split())
    if re.search(r"\bremission\b|\bresponded\b|\bresponse in\b|feel better", flat):
        assert re.search(r"\b(?:many|most)\b[^.;]*\bnot\b", flat, re.IGNORECASE)


def test_the_suicidal_ideation_approval_is_not_described() -> None:
    for flow in all_flows():
        for state in flow.states:
            assert not re.search(r"ideation|August 2020", state.reply, re.IGNORECASE)
