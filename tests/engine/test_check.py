"""Semantic flow checks: each problem an error or warning at the node it is about."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from bot.engine.check import check_flows, check_paths
from bot.engine.check_text import DOSE
from bot.engine.loader import load_flow_file
from bot.errors import Diagnostic

DATA = Path(__file__).parent / "data"
TODAY = dt.date(2025, 6, 1)
STATES = """\
states:
  - {name: menu, reply: Pick a topic., buttons: [{label: About, trigger: about}]}
  - {name: about, reply: Some facts., sources: [A source], reviewed: 2025-05-01, final: true}
"""
GOOD = (
    "name: demo\ntitle: Demo\ninitial: menu\n"
    + STATES
    + "transitions:\n  - {trigger: about, source: menu, dest: about}\n"
)


def _check(folder: Path, *texts: str) -> list[Diagnostic]:
    paths = []
    for number, text in enumerate(texts):
        path = folder / f"flow{number}.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        paths.append(path)
    return check_paths(paths, today=TODAY)


def _position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the only occurrence of ``needle`` in ``text``."""
    text = textwrap.dedent(text)
    assert text.count(needle) == 1, f"{needle!r} must occur once"
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _assert_reported(
    found: list[Diagnostic], path: Path, position: tuple[int, int], severity: str, fragment: str
) -> None:
    prefix = f"{path}:{position[0]}:{position[1]}: {severity}: "
    matching = [d for d in found if str(d).startswith(prefix) and fragment in d.message]
    assert matching, f"no {prefix}...{fragment!r} in {[str(d) for d in found]}"


def test_good_flows_have_no_diagnostics(tmp_path: Path) -> None:
    assert check_paths([DATA / "good_flow.yaml"], today=TODAY) == []
    assert _check(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("name", "line", "column", "fragment"),
    [
        ("unknown_target.yaml", 17, 11, "dest 'detials' is not a state of this flow; did you mean"),
        ("duplicate_state.yaml", 9, 11, "state 'menu' is defined twice (first on line 6)"),
        ("long_reply.yaml", 7, 12, "the reply of state 'menu' is 5000 characters; Telegram"),
        ("dose_in_text.yaml", 12, 12, "the reply of state 'amount' states a dose ('56 mg')"),
    ],
)
def test_bad_flow_file_is_reported_at_the_offending_node(
    name: str, line: int, column: int, fragment: str
) -> None:
    path = DATA / name
    _assert_reported(check_paths([path], today=TODAY), path, (line, column), "error", fragment)


def _two_triggers(about: str, other: str) -> str:
    return (
        GOOD.replace(", final: true}", ", buttons: [{label: Back, trigger: other}]}")
        + "  - {trigger: other, source: about, dest: menu}\n"
        + f"triggers:\n  about: {about}\n  other: {other}\n"
    )


CASES = [
    pytest.param(
        GOOD.replace("initial: menu", "initial: mneu"),
        "mneu",
        "error",
        "initial state 'mneu' is not a state of this flow; did you mean 'menu'? (states: menu, ",
        id="unknown initial state",
    ),
    pytest.param(
        GOOD.replace("source: menu,", "source: [menu, abuot],"),
        "abuot",
        "error",
        "transition 1 (trigger 'about'): source 'abuot' is not a state of this flow",
        id="unknown source in a list",
    ),
    pytest.param(
        GOOD.replace("final: true", "buttons: [{label: Back, trigger: back}]"),
        "back}",
        "error",
        "button 'Back' in state 'about' fires trigger 'back', but no transition on it leaves",
        id="button without transition",
    ),
    pytest.param(
        GOOD.replace("trigger: about}]", "trigger: about, flow: extras}]"),
        "extras",
        "error",
        "leads to flow 'extras', which is not loaded",
        id="button into an unknown flow",
    ),
    pytest.param(
        GOOD + "triggers:\n  spare: {phrases: [spare words]}\n",
        "spare:",
        "warning",
        "trigger 'spare' is defined under 'triggers' but no transition uses it",
        id="unused trigger",
    ),
    pytest.param(
        GOOD + "  - {trigger: orphan, source: about, dest: menu}\n",
        "orphan",
        "warning",
        "unreachable trigger 'orphan': no button, command, phrase or keyword fires it",
        id="trigger nothing fires",
    ),
    pytest.param(
        GOOD.replace(
            "transitions:", "  - {name: island, reply: Alone., final: true}\ntransitions:"
        ),
        "island",
        "warning",
        "state 'island' cannot be reached from the initial state 'menu'",
        id="unreachable state",
    ),
    pytest.param(
        GOOD.replace(", final: true}", "}"),
        "about, reply",
        "warning",
        "state 'about' is a dead end: no buttons and no transitions out",
        id="dead end",
    ),
]


CASES += [
    pytest.param(
        _two_triggers("{commands: [info]}", "{commands: [info, info2]}"),
        "info, info2",
        "error",
        "command '/info' of trigger 'other' is already bound to trigger 'about' on line 11",
        id="one command on two triggers",
    ),
    pytest.param(
        _two_triggers(
            "{phrases: ['Side effects?']}", "{keywords: [x1], phrases: ['side  EFFECTS']}"
        ),
        "'side  EFFECTS'",
        "error",
        "phrase 'side  EFFECTS' of trigger 'other' matches the same words as 'Side effects?'",
        id="one phrase on two triggers",
    ),
    pytest.param(
        _two_triggers("{keywords: [Café]}", "{keywords: [cafe]}"),
        "cafe",
        "error",
        "keyword 'cafe' of trigger 'other' matches the same words as 'Café'",
        id="one keyword on two triggers",
    ),
    pytest.param(
        _two_triggers("{commands: [stop]}", "{commands: [back]}"),
        "stop",
        "error",
        "command '/stop' is reserved for the system (/country, /crisis, /forget, /human, ",
        id="reserved command",
    ),
    pytest.param(
        GOOD.replace("label: About", "label: " + "é" * 33),
        "é" * 33,
        "error",
        "is 66 bytes in UTF-8; at most 64 are allowed",
        id="label over 64 bytes",
    ),
    pytest.param(
        GOOD.replace("name: demo", "name: " + "d" * 30).replace("about", "a" * 33),
        "a" * 33 + "}]",
        "error",
        "66 bytes; Telegram's callback data holds at most 64",
        id="button payload over 64 bytes",
    ),
    pytest.param(
        GOOD.replace("Some facts.", "x" * 4090),
        "x" * 4090,
        "error",
        "4130 characters with its sources and review date; Telegram sends at most 4096",
        id="reply too long once sources are added",
    ),
    pytest.param(
        GOOD + "fallback: Ask again, or take 2 tablets.\n",
        "Ask again",
        "error",
        "the fallback text states a dose ('2 tablets')",
        id="dose in the fallback text",
    ),
    pytest.param(
        GOOD + "triggers:\n  about: {phrases: [about ketamine, I want to kill myself]}\n",
        "I want",
        "warning",
        "phrase 'I want to kill myself' of trigger 'about' contains crisis wording ('kill'): "
        "the crisis gate runs first anyway, so this trigger will never see such text; remove it",
        id="crisis wording in a phrase",
    ),
    pytest.param(
        GOOD + "triggers:\n  about: {keywords: [ketamine, Overdose]}\n",
        "Overdose",
        "warning",
        "keyword 'Overdose' of trigger 'about' contains crisis wording ('overdose')",
        id="crisis wording in a keyword",
    ),
    pytest.param(
        GOOD.replace(", reviewed: 2025-05-01", ""),
        "[A source]",
        "warning",
        "state 'about' lists sources but no 'reviewed' date",
        id="sources without review date",
    ),
    pytest.param(
        GOOD.replace("sources: [A source], ", ""),
        "2025-05-01",
        "warning",
        "state 'about' has a 'reviewed' date but no sources",
        id="review date without sources",
    ),
    pytest.param(
        GOOD.replace("sources: [A source], reviewed: 2025-05-01, ", "").replace(
            "Some facts.", "Facts " * 70
        ),
        "Facts " * 70,
        "warning",
        "state 'about' reads like an educational answer (419 characters) but lists no sources",
        id="long answer without sources",
    ),
    pytest.param(
        GOOD.replace("2025-05-01", "2025-06-02"),
        "2025-06-02",
        "error",
        "state 'about' was 'reviewed' on 2025-06-02, a date in the future",
        id="review date in the future",
    ),
    pytest.param(
        GOOD.replace("2025-05-01", "2024-05-31"),
        "2024-05-31",
        "warning",
        "state 'about' was last reviewed 366 days ago (2024-05-31)",
        id="review date over a year old",
    ),
]


@pytest.mark.parametrize(("text", "needle", "severity", "fragment"), CASES)
def test_problem_is_reported_at_its_node(
    tmp_path: Path, text: str, needle: str, severity: str, fragment: str
) -> None:
    found = _check(tmp_path, text)
    _assert_reported(found, tmp_path / "flow0.yaml", _position(text, needle), severity, fragment)


@pytest.mark.parametrize(
    "text",
    [
        GOOD.replace("2025-05-01", "2024-06-01"),
        GOOD.replace("Some facts.", "x" * 4000),
        GOOD.replace("About", "é" * 32),
        GOOD + "triggers:\n  about: {phrases: [what is it], keywords: [diet]}\n",
        GOOD.replace("transitions:", "  - {name: aside, reply: Aside., final: true}\ntransitions:")
        + "  - {trigger: aside, source: '*', dest: aside}\n"
        + "triggers:\n  aside: {commands: [aside]}\n",
    ],
    ids=[
        "review date exactly a year old",
        "reply within the limit with its sources",
        "label of exactly 64 bytes",
        "word that only looks like crisis wording",
        "state reached only through a '*' transition",
    ],
)
def test_borderline_cases_pass(tmp_path: Path, text: str) -> None:
    assert _check(tmp_path, text) == []


OTHER = """\
name: extras
title: Extras
initial: start
states:
  - {name: start, reply: More topics., buttons: [{label: Home, trigger: home, flow: demo}]}
  - {name: cost, reply: Costs vary., final: true}
transitions:
  - {trigger: cost, source: "*", dest: cost}
"""


def test_button_into_another_flow_needs_a_star_transition_there(tmp_path: Path) -> None:
    found = _check(tmp_path, GOOD, OTHER)
    _assert_reported(
        found,
        tmp_path / "flow1.yaml",
        _position(OTHER, "home, flow"),
        "error",
        "button 'Home' in state 'start' leads to trigger 'home' of flow 'demo', but that flow "
        "has no transition on it with source '*'",
    )


def test_button_into_another_flow_fires_its_global_trigger(tmp_path: Path) -> None:
    to_extras = "trigger: about}, {label: Costs, trigger: cost, flow: extras}]"
    demo = GOOD.replace("trigger: about}]", to_extras).replace("source: menu", "source: '*'")
    extras = OTHER.replace("trigger: home, flow: demo", "trigger: about, flow: demo")
    assert _check(tmp_path, demo, extras) == []


def test_flow_names_and_commands_are_unique_across_files(tmp_path: Path) -> None:
    first = GOOD + "triggers:\n  about: {commands: [facts]}\n"
    second = first.replace("title: Demo", "title: Copy")
    found = _check(tmp_path, first, second)
    second_path = tmp_path / "flow1.yaml"
    _assert_reported(
        found,
        second_path,
        (1, 7),
        "error",
        f"flow name 'demo' is already used by {tmp_path / 'flow0.yaml'}:1; give each flow its",
    )
    assert not any("also bound by flow" in d.message for d in found)
    third = first.replace("name: demo", "name: third")
    found = _check(tmp_path, first, third)
    _assert_reported(
        found,
        second_path,
        _position(third, "facts]"),
        "error",
        f"command '/facts' is also bound by flow 'demo' ({tmp_path / 'flow0.yaml'}:10)",
    )


def test_check_paths_includes_load_errors_and_sorts_by_path_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: [\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        GOOD.replace("initial: menu", "initial: nowhere").replace("source: menu", "source: nil"),
        encoding="utf-8",
    )
    found = check_paths([tmp_path], today=TODAY)
    assert [(Path(d.path).name, d.line) for d in found] == [
        ("a.yaml", 2),
        ("b.yaml", 3),
        ("b.yaml", 5),
        ("b.yaml", 8),
    ]


def test_check_paths_checks_a_file_named_twice_once(tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text(GOOD, encoding="utf-8")
    assert check_paths([tmp_path, tmp_path / "flow.yaml"], today=TODAY) == []


def test_check_paths_on_a_folder_without_flows_is_an_error(tmp_path: Path) -> None:
    (problem,) = check_paths([tmp_path], today=TODAY)
    assert problem.severity == "error"
    assert "no flow files" in problem.message


def test_check_flows_takes_loaded_flows(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(GOOD.replace("2025-05-01", "2099-01-01"), encoding="utf-8")
    (problem,) = check_flows([load_flow_file(path)], today=TODAY)
    assert "a date in the future" in problem.message


@pytest.mark.parametrize(
    ("text", "dose"),
    [
        ("A session uses 56 mg.", "56 mg"),
        ("about 0.5 mg/kg over 40 minutes", "0.5 mg/kg"),
        ("two sprays per device", "two sprays"),
        ("84mg in total", "84mg"),
        ("a 10-ml vial", "10-ml"),
        ("200 µg", "200 µg"),
        ("1,5 milligrams", "1,5 milligrams"),
        ("take 3 Tablets", "3 Tablets"),
        ("20 units", "20 units"),
    ],
)
def test_dose_pattern_finds_amounts(text: str, dose: str) -> None:
    match = DOSE.search(text)
    assert match is not None
    assert match.group() == dose


@pytest.mark.parametrize(
    "text",
    ["52% responded at 24 hours", "wait 2 hours", "about 4 weeks", "someone pills", "v2 mg"],
)
def test_dose_pattern_ignores_other_numbers(text: str) -> None:
    assert DOSE.search(text) is None
