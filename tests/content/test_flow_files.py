"""The flow files are valid, fully connected and inside Telegram's limits."""

from __future__ import annotations

import datetime as dt
import re
from itertools import pairwise

import pytest

from bot.engine.schema import MAX_CALLBACK_BYTES, MAX_REPLY_CHARS, ButtonSpec, FlowSpec
from tests.content.flow_files import (
    BACK_TO_TOPICS,
    CONTENT_DOC,
    ENTRY_FLOW,
    FLOW_FILES,
    MENU_STATES,
    REVIEW_DATE,
    StateRef,
    all_flows,
    all_states,
    all_texts,
    educational_states,
    flow_named,
    global_triggers,
    load_flow,
    rendered_text,
    transition_sources,
    word_count,
)

# The engine sends "f:<flow>:<trigger>"; keep room for a prefix of up to this many bytes.
PAYLOAD_PREFIX_ROOM = 8
MAX_MENU_BUTTONS = 12
MARKUP = re.compile(r"\*\*|__|`|\[[^\]]*\]\(|</?[a-z][a-z0-9]*[ />]|^#+ ", re.MULTILINE)
BUTTONS = [(ref, button) for ref in all_states() for button in ref.state.buttons]
BUTTON_IDS = [f"{ref}->{button.flow or ref.flow.name}:{button.trigger}" for ref, button in BUTTONS]


@pytest.mark.parametrize("file_name", FLOW_FILES)
def test_flow_file_validates_against_the_schema(file_name: str) -> None:
    assert isinstance(load_flow(file_name), FlowSpec)


def test_flow_names_and_state_names_are_unique() -> None:
    names = [flow.name for flow in all_flows()]
    states = [state.name for flow in all_flows() for state in flow.states]
    assert len(set(names)) == len(names)
    assert len(set(states)) == len(states), "a state name is used in two flows"


def test_entry_flow_starts_at_its_menu() -> None:
    assert flow_named(ENTRY_FLOW).initial == "menu"
    assert flow_named("about").initial == "about"


@pytest.mark.parametrize("ref", all_states(), ids=str)
def test_state_with_sources_has_the_review_date(ref: StateRef) -> None:
    if ref.state.sources:
        assert ref.state.reviewed == dt.date.fromisoformat(REVIEW_DATE)
    else:
        assert ref.state.reviewed is None, "a review date without sources is shown for nothing"


@pytest.mark.parametrize("ref", all_states(), ids=str)
def test_every_state_is_the_destination_of_a_transition(ref: StateRef) -> None:
    assert ref.state.name in {item.dest for item in ref.flow.transitions}


@pytest.mark.parametrize("flow", all_flows(), ids=lambda flow: flow.name)
def test_transitions_name_existing_states_and_defined_triggers(flow: FlowSpec) -> None:
    states = {state.name for state in flow.states}
    for item in flow.transitions:
        assert item.dest in states
        assert set(item.sources(tuple(states))) <= states
        assert item.trigger in flow.triggers, f"{item.trigger} has no commands or phrases"
    assert set(flow.triggers) <= {item.trigger for item in flow.transitions}


@pytest.mark.parametrize(("ref", "button"), BUTTONS, ids=BUTTON_IDS)
def test_button_trigger_has_a_transition_from_its_state(ref: StateRef, button: ButtonSpec) -> None:
    if button.flow is None or button.flow == ref.flow.name:
        assert ref.state.name in transition_sources(ref.flow, button.trigger)
    else:
        assert button.trigger in global_triggers(flow_named(button.flow))


@pytest.mark.parametrize(("ref", "button"), BUTTONS, ids=BUTTON_IDS)
def test_button_label_and_payload_fit_telegram(ref: StateRef, button: ButtonSpec) -> None:
    payload = f"{button.flow or ref.flow.name}:{button.trigger}"
    assert len(button.label.encode()) <= 64
    assert len(payload.encode()) + PAYLOAD_PREFIX_ROOM <= MAX_CALLBACK_BYTES


@pytest.mark.parametrize("ref", all_states(), ids=str)
def test_reply_with_sources_fits_one_telegram_message(ref: StateRef) -> None:
    assert len(rendered_text(ref.state)) < MAX_REPLY_CHARS


@pytest.mark.parametrize(("where", "text"), all_texts(), ids=[w for w, _ in all_texts()])
def test_text_is_plain_without_markdown_or_html(where: str, text: str) -> None:
    assert not MARKUP.search(text), f"{where} contains markup; replies are sent as plain text"


@pytest.mark.parametrize(("where", "text"), all_texts(), ids=[w for w, _ in all_texts()])
def test_text_is_not_hard_wrapped(where: str, text: str) -> None:
    """Telegram keeps newlines: a line may only be followed by a blank line or a list item."""
    lines = text.strip().split("\n")
    broken = [
        line
        for line, following in pairwise(lines)
        if line and following and not following.startswith(("- ", "/", "Sources: ", "Reviewed: "))
    ]
    assert broken == [], f"{where} breaks a sentence across lines"


def test_menu_lists_every_educational_topic_within_the_button_limit() -> None:
    entry = flow_named(ENTRY_FLOW)
    menus = [state for state in entry.states if state.name in MENU_STATES]
    listed = {button.trigger for state in menus for button in state.buttons}
    assert all(len(state.buttons) <= MAX_MENU_BUTTONS for state in menus)
    assert {ref.state.name for ref in educational_states()} <= listed


@pytest.mark.parametrize("ref", educational_states(), ids=str)
def test_educational_answer_is_a_readable_length(ref: StateRef) -> None:
    assert 60 <= word_count(ref.state.reply) <= 180


@pytest.mark.parametrize("ref", educational_states(), ids=str)
def test_educational_answer_offers_related_topics_and_the_way_back(ref: StateRef) -> None:
    triggers = [button.trigger for button in ref.state.buttons]
    related = triggers[:-1]
    assert triggers[-1] == BACK_TO_TOPICS
    assert 2 <= len(related) <= 4
    assert ref.state.name not in related, "a topic should not link to itself"
    assert len(set(related)) == len(related)


def test_each_topic_has_one_button_label_everywhere() -> None:
    """The way back to the menu is worded for where the person is; topics are named one way."""
    labels: dict[tuple[str, str], set[str]] = {}
    for ref, button in BUTTONS:
        if button.trigger == BACK_TO_TOPICS:
            continue
        key = (button.flow or ref.flow.name, button.trigger)
        labels.setdefault(key, set()).add(button.label)
    assert {key: found for key, found in labels.items() if len(found) > 1} == {}


@pytest.mark.parametrize(
    "flow", [flow for flow in all_flows() if flow.name != ENTRY_FLOW], ids=lambda flow: flow.name
)
def test_small_talk_and_about_states_lead_back_to_the_topics(flow: FlowSpec) -> None:
    for state in flow.states:
        assert any(
            button.trigger == "menu" and button.flow == ENTRY_FLOW for button in state.buttons
        ), f"{flow.name}/{state.name} has no button into the topics"


@pytest.mark.parametrize("ref", educational_states(), ids=str)
def test_content_doc_lists_the_topic_with_its_sources(ref: StateRef) -> None:
    doc = CONTENT_DOC.read_text(encoding="utf-8").replace("\\", "")
    row = next((line for line in doc.splitlines() if f"| `{ref.state.name}` |" in line), None)
    assert row is not None, f"docs/content.md has no row for {ref.state.name}"
    assert [source for source in ref.state.sources if source not in row] == []
    assert str(ref.state.reviewed) in row
