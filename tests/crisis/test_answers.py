"""Reading a typed answer to the check-in: phrases, the window, mixed answers, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.crisis.answers import Answer, default_answers, fold, load_answers
from bot.errors import ConfigError

READ = default_answers().read


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("YES!!", Answer.YES),
        ("yeah i am", Answer.YES),
        ("honestly yes", Answer.YES),
        ("I am", Answer.YES),
        ("Sí, a veces", Answer.YES),
        ("Oui.", Answer.YES),
        ("ja, leider", Answer.YES),
        ("No, I'm not.", Answer.NO),
        ("nope", Answer.NO),
        ("I'm fine", Answer.NO),
        ("i am not", Answer.NO),
        ("non, pas du tout", Answer.NO),
        ("nein", Answer.NO),
        ("nee hoor", Answer.NO),
        ("no... well sometimes", Answer.NOT_SURE),
        ("yes and no", Answer.NOT_SURE),
        ("No sé", Answer.NOT_SURE),
        ("non lo so", Answer.NOT_SURE),
        ("idk", Answer.NOT_SURE),
        ("why do you care", Answer.REFUSED),
        ("Does it matter?", Answer.REFUSED),
        ("what does it matter", Answer.REFUSED),
        ("none of your business", Answer.REFUSED),
        ("whatever", Answer.REFUSED),
    ],
)
def test_typed_answers(text: str, answer: Answer) -> None:
    assert READ(text) is answer


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "how does ketamine work",
        "does it matter if i take it with food",  # "does it matter" must end the message
        "what does the session cost, no insurance here",  # an answer comes first
        "I feel hopeless",
        "🙂",
        "\x00\ufffd\u200b",
        "no " * 100,  # too long to be an answer
        "ça va pas",
    ],
)
def test_messages_that_answer_nothing(text: str) -> None:
    assert READ(text) is None


def test_folding_drops_case_accents_punctuation_and_apostrophes() -> None:
    assert fold("Não SEI!") == ("nao", "sei")
    assert fold("I don't know…") == ("i", "dont", "know")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('maybe:\n  en: ["perhaps"]\n', "unknown answer 'maybe'"),
        ('"yes":\n  en: [yes]\n', "is not text; put it in quotes"),
        ('"no":\n  en: "nope"\n', "expected a list of phrases"),
        ('"no":\n  en: ["^$"]\n', "has no words"),
        ('"no": [nope]\n', "expected language -> list of phrases"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_a_broken_answers_file_names_the_file_and_the_problem(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_answers(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)
