"""Trigger words are specific, unshared, free of crisis vocabulary and leave system commands alone.

Phrases match with other words allowed between theirs, so a phrase made only of common words
("how does it work") would catch questions about any topic; each phrase must carry a topic word.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.engine.matcher import tokens
from bot.engine.schema import FlowSpec, TriggerSpec
from tests.content.flow_files import all_flows, flow_named
from tests.content.wording import CRISIS_WORD

# Words that say nothing about a topic on their own.
# fmt: off
FUNCTION_WORDS = frozenset((
    "a", "about", "after", "an", "and", "any", "are", "as", "at", "be", "before", "by", "can",
    "could", "did", "didn", "do", "does", "don", "during", "for", "from", "get", "go", "had",
    "has", "have", "how", "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "s",
    "so", "t", "than", "that", "the", "their", "them", "there", "this", "to", "until", "was",
    "we", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
))
# fmt: on
# Generic phrases accepted anyway, each for a reason. "who are you" is how people ask what the bot
# is; it lives in the about flow, which only matches first while a person is already in it.
GENERIC_ALLOWED = frozenset({"who are you", "what are you"})
# Means and method words: never trigger words, even where harmless in context.
MEANS_WORDS = frozenset({"bridge", "rope", "gun", "pills", "jump", "poison", "hang", "hanging"})
# Commands the core answers itself; a flow must not bind them.
SYSTEM_COMMANDS = frozenset({"crisis", "country", "human", "privacy", "forget"})
MIN_TEXT_TRIGGERS = 3

TRIGGERS = [(flow, name, spec) for flow in all_flows() for name, spec in flow.triggers.items()]
TRIGGER_IDS = [f"{flow.name}/{name}" for flow, name, _ in TRIGGERS]
WORDINGS = [
    (f"{flow.name}/{name}", wording)
    for flow, name, spec in TRIGGERS
    for wording in (*spec.phrases, *spec.keywords)
]


@pytest.mark.parametrize(("where", "wording"), WORDINGS, ids=[w for w, _ in WORDINGS])
def test_trigger_wording_has_no_crisis_or_means_words(where: str, wording: str) -> None:
    assert not CRISIS_WORD.search(wording)
    assert not set(tokens(wording)) & MEANS_WORDS


@pytest.mark.parametrize(("flow", "name", "spec"), TRIGGERS, ids=TRIGGER_IDS)
def test_keywords_are_single_words_the_matcher_can_see(
    flow: FlowSpec, name: str, spec: TriggerSpec
) -> None:
    for keyword in spec.keywords:
        assert tokens(keyword) == (keyword.casefold(),), f"{keyword!r} splits or changes"


@pytest.mark.parametrize(("flow", "name", "spec"), TRIGGERS, ids=TRIGGER_IDS)
def test_every_phrase_carries_a_topic_word(flow: FlowSpec, name: str, spec: TriggerSpec) -> None:
    generic = [
        phrase
        for phrase in spec.phrases
        if set(tokens(phrase)) <= FUNCTION_WORDS and phrase not in GENERIC_ALLOWED
    ]
    assert generic == []


@pytest.mark.parametrize(("flow", "name", "spec"), TRIGGERS, ids=TRIGGER_IDS)
def test_text_triggers_have_enough_wordings(flow: FlowSpec, name: str, spec: TriggerSpec) -> None:
    wordings = len(spec.phrases) + len(spec.keywords)
    assert wordings >= MIN_TEXT_TRIGGERS


def test_no_wording_belongs_to_two_triggers() -> None:
    counts = Counter(" ".join(tokens(wording)) for _, wording in WORDINGS)
    assert sorted(wording for wording, count in counts.items() if count > 1) == []


@pytest.mark.parametrize(
    ("flow", "command", "trigger"),
    [
        ("ketamine", "menu", "menu"),
        ("ketamine", "start", "menu"),
        ("ketamine", "help", "help"),
        ("about", "about", "about"),
    ],
)
def test_command_fires_its_trigger(flow: str, command: str, trigger: str) -> None:
    assert command in flow_named(flow).triggers[trigger].commands


def test_flows_leave_system_commands_to_the_core() -> None:
    bound = {
        command
        for flow in all_flows()
        for spec in flow.triggers.values()
        for command in spec.commands
    }
    assert bound & SYSTEM_COMMANDS == set()
