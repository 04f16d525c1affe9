"""The wording file: the safe-messaging rules that can be checked are checked on load."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.crisis import default_wording, load_wording
from bot.errors import ConfigError
from bot.model import Risk

WriteYaml = Callable[[dict[str, Any]], Path]


def test_packaged_wording_loads_and_is_cached() -> None:
    assert default_wording() is default_wording()


@pytest.mark.parametrize(
    ("category", "voice"),
    [
        ("third_party", "helper"),
        ("mention", "mention"),
        ("means", "means"),
        ("self_harm", "self_harm"),
        ("explicit", "self"),
        ("never_heard_of", "self"),
    ],
)
def test_categories_map_to_voices(category: str, voice: str) -> None:
    assert default_wording().crisis.voice_for(category) == voice


@pytest.mark.parametrize("risk", list(Risk))
def test_every_voice_has_an_opening_and_a_question_for_every_risk(risk: Risk) -> None:
    crisis = default_wording().crisis
    for voice in ("self", "self_harm", "means", "helper", "mention"):
        assert len(crisis.openings[voice].for_risk(risk)) >= 2  # type: ignore[index]
        assert crisis.questions[voice].for_risk(risk)  # type: ignore[index]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets the dotted ``path`` (list indexes as numbers) to ``value``."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is None:
            del node[last]
        else:
            node[last] = value

    return mutate


_BROKEN = {
    "question_outside_questions": (
        _set("crisis.closings.0", "Shall we keep talking?"),
        "only crisis.questions and",
    ),
    "two_questions_in_one": (
        _set("crisis.questions.self.concern.0", "Are you safe? Is someone with you?"),
        "exactly one question",
    ),
    "markdown": (_set("crisis.notices.1", "I'm an *automated* assistant."), "plain text only"),
    "html": (_set("advice.intro", "<b>No.</b>"), "plain text only"),
    "unknown_placeholder": (_set("crisis.urgent.person", "Call {phone} now."), "placeholder"),
    "single_variant": (_set("crisis.closings", ["Only one closing."]), "at least 2"),
    "missing_voice": (_set("crisis.openings.means", None), "lacks the voices means"),
    "risk_not_covered": (_set("crisis.openings.self.high", None), "or a default"),
    "unknown_voice": (_set("crisis.voices.third_party", "bystander"), "voices.third_party"),
    "no_general_reason": (_set("advice.reasons.general", None), "general"),
    "unknown_key": (_set("buttons.extra", "More"), "extra"),
    "check_in_two_questions": (
        _set("check_in.question", "Are you safe? Are you thinking about suicide?"),
        "exactly one question",
    ),
    "check_in_no_question": (
        _set("check_in.question", "Tell me whether you are thinking about suicide."),
        "exactly one question",
    ),
    "question_after_no": (_set("check_in.after_no", "Shall we go on?"), "may ask a question"),
    "check_in_markdown": (_set("check_in.lines_intro", "*Lines:*"), "plain text only"),
    "check_in_button_missing": (_set("check_in.buttons.no", None), "check_in.buttons.no"),
}


@pytest.mark.parametrize("case", sorted(_BROKEN))
def test_unsafe_or_broken_wording_raises_config_error_naming_file(
    write_yaml: WriteYaml, wording_data: dict[str, Any], case: str
) -> None:
    mutate, expected = _BROKEN[case]
    mutate(wording_data)
    path = write_yaml(wording_data)
    with pytest.raises(ConfigError) as caught:
        load_wording(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


METHOD_WORDS = re.compile(
    r"\b(?:pills?|tablets?|rope|hang(?:ing)?|guns?|shoot|jump|bridge|roof|overdos\w*|doses?"
    r"|poison\w*|cut(?:ting)?|blades?|lethal|commit suicide|successful|ketamine|esketamine)\b",
    re.IGNORECASE,
)


def test_check_in_wording_asks_one_direct_question_and_names_no_method() -> None:
    words = default_wording().check_in
    texts = [words.question, words.lines_intro, words.after_no, words.stale]
    texts += [words.buttons.yes, words.buttons.not_sure, words.buttons.no]
    assert words.question.count("?") == 1
    assert words.question.endswith("?")
    assert "suicide" in words.question  # asked directly, as the ASQ and C-SSRS ask it
    assert sum(text.count("?") for text in texts) == 1
    assert all(METHOD_WORDS.search(text) is None for text in texts)
