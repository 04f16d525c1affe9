"""One strict YAML reader: every kind of file the bot reads names its problems at their place.

PyYAML alone keeps the last of two equal keys; each reader below goes through
:mod:`bot.safe_yaml`, so the second key is an error naming ``path:line:col``, and so is a value
the reader refuses after loading.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.config import load_config
from bot.crisis import load_crisis_lines, load_wording
from bot.crisis.wording import DEFAULT_WORDING_PATH
from bot.errors import CrisisbotError
from bot.gate import load_lexicon
from bot.gate.advice import _load as load_advice
from bot.gate.semantic import SafetyNet
from bot.gate.semantic.exemplars import load_exemplars
from bot.safe_yaml import (
    StrictModel,
    YamlProblem,
    _StrictLoader,
    compose_yaml_text,
    load_yaml_text,
    place_in_file,
    position_of,
)

ROOT = Path(__file__).resolve().parents[1]

#: (reader, file text): in every text the second ``twice:`` key, or the top key named again, is
#: on line 3 at column 1.
KINDS: dict[str, tuple[Callable[[Path], object], str]] = {
    "config": (load_config, "storage:\n  url: sqlite:///a.db\nstorage:\n  url: sqlite:///b.db\n"),
    "lexicon": (load_lexicon, "rules: []\nexemptions: []\nrules: []\n"),
    "advice": (load_advice, "version: 1\nrules: []\nrules: []\n"),
    "exemplars": (
        lambda path: load_exemplars(path.parent),
        "language: en\ncrisis: {}\nlanguage: de\n",
    ),
    "safety net": (SafetyNet.load, "languages:\n  en: [x]\nlanguages:\n  de: [y]\n"),
    "crisis lines": (load_crisis_lines, "countries: {}\nversion: 1\ncountries: {}\n"),
    "wording": (load_wording, "crisis: {}\nbuttons: {}\ncrisis: {}\n"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_duplicate_key_is_an_error_at_its_line_and_column(tmp_path: Path, kind: str) -> None:
    read, text = KINDS[kind]
    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CrisisbotError) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3:1: ")
    assert "duplicate key" in message


#: (reader, file text, where the refused value is, what is said of it).
BAD_VALUES: dict[str, tuple[Callable[[Path], object], str, str, str]] = {
    "lexicon": (
        load_lexicon,
        "rules:\n  - id: coded.x\n    category: coded\n    risk: severe\n    phrases: [x]\n",
        "4:5",
        "risk: 'severe' is not a risk level",
    ),
    "advice": (
        load_advice,
        "version: 1\nrules:\n  - id: dose.x\n    reason: dose\n    topic: nothing\n"
        "    phrases: [x]\n",
        "5:5",
        "topic: 'nothing' is not a topic",
    ),
    "exemplars": (
        lambda path: load_exemplars(path.parent),
        "language: en\ncrisis:\n  planning: not a list\n",
        "3:3",
        "'crisis.planning' must be a list",
    ),
    "safety net": (
        SafetyNet.load,
        "languages:\n  en: [x]\n  de: 5\n",
        "3:3",
        "languages.de must be a list",
    ),
    "crisis lines": (
        load_crisis_lines,
        "version: 1\ncountries:\n  US:\n    nonsense: 1\n",
        "4:5",
        "countries.US.nonsense: Extra inputs",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_VALUES))
def test_a_refused_value_is_named_at_its_line_and_column(tmp_path: Path, kind: str) -> None:
    read, text, where, said = BAD_VALUES[kind]
    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CrisisbotError) as caught:
        read(path)
    assert f"{path}:{where}: " in str(caught.value)
    assert said in str(caught.value)


def test_an_unknown_wording_section_is_named_at_its_line(tmp_path: Path) -> None:
    text = DEFAULT_WORDING_PATH.read_text(encoding="utf-8") + "not_a_section: x\n"
    path = tmp_path / "wording.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CrisisbotError) as caught:
        load_wording(path)
    line = text.count("\n")
    assert f"{path}:{line}:1: not_a_section: Extra inputs" in str(caught.value)


def test_a_place_in_a_file_that_changed_since_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "gone.yaml"
    assert place_in_file(path, ("rules", 0)) == str(path)
    path.write_text("rules:\n  - id: x\n", encoding="utf-8")
    assert place_in_file(path, ("rules", 0, "id")) == f"{path}:2:5"


def test_a_problem_without_a_position_names_the_file_alone(tmp_path: Path) -> None:
    assert YamlProblem("file is not UTF-8 text").where(tmp_path / "x.yaml") == str(
        tmp_path / "x.yaml"
    )
    assert YamlProblem("duplicate key", 4, 2).where(tmp_path / "x.yaml") == f"{tmp_path}/x.yaml:4:2"


@pytest.mark.parametrize(
    ("loc", "position"),
    [
        (("storage", "url"), (2, 3)),
        (("moderation", "moderators", 1), (5, 19)),
        (("moderation", "missing"), (4, 1)),
        ((), (1, 1)),
    ],
)
def test_a_key_path_is_found_at_its_line_and_column_or_its_parents(
    loc: tuple[int | str, ...], position: tuple[int, int]
) -> None:
    text = "storage:\n  url: x\n\nmoderation:\n  moderators: [1, 2]\n"
    assert position_of(compose_yaml_text(text), loc) == position


def test_the_strict_base_refuses_unknown_keys_and_changes() -> None:
    class Point(StrictModel):
        x: int

    with pytest.raises(ValueError, match="Extra inputs"):
        Point.model_validate({"x": 1, "y": 2})
    point = Point(x=1)
    with pytest.raises(ValueError, match="frozen"):
        point.x = 2


def test_text_read_by_libyaml_and_by_the_python_reader_is_the_same_data() -> None:
    """Shipped files (no alias can start in them) take the fast reader; the data must not
    depend on which reader read it, and a duplicate key is refused by both at its position."""
    for path in sorted((ROOT / "bot").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert load_yaml_text(text) == yaml.load(text, Loader=_StrictLoader), path
    with pytest.raises(YamlProblem) as refused:
        load_yaml_text("a: 1\nb:\n  c: 2\n  c: 3\n")
    assert (refused.value.line, refused.value.column) == (4, 3)
    assert "duplicate key 'c'" in str(refused.value)


def test_a_syntax_error_is_reported_by_the_python_reader() -> None:
    with pytest.raises(YamlProblem) as refused:
        load_yaml_text("a: [1, 2\nb: 3\n")
    assert refused.value.line >= 1
    assert str(refused.value).startswith("invalid YAML:")
