"""Loading flow files: every problem, at ``path:line:col``, in words an operator can act on."""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import loader
from bot.engine.loader import MAX_FLOW_BYTES, load_flow_dir, load_flow_file
from bot.engine.schema import FlowSpec
from bot.errors import Diagnostic, FlowError

DATA = Path(__file__).parent / "data"
MINIMAL = """\
name: demo
title: Demo
initial: menu
states:
  - name: menu
    reply: Hello.
    final: true
"""


def _write(folder: Path, text: str, name: str = "flow.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _problems(path: Path) -> tuple[Diagnostic, ...]:
    with pytest.raises(FlowError) as caught:
        load_flow_file(path)
    return caught.value.diagnostics


def _at(problems: tuple[Diagnostic, ...], line: int, column: int) -> Diagnostic:
    found = [p for p in problems if (p.line, p.column) == (line, column)]
    assert found, f"nothing at {line}:{column} in {[str(p) for p in problems]}"
    return found[0]


@pytest.mark.parametrize(
    ("name", "line", "column", "fragment"),
    [
        ("billion_laughs.yaml", 7, 12, "anchor '&l0': anchors and aliases are not allowed"),
        ("billion_laughs.yaml", 9, 17, "alias '*l0': anchors and aliases are not allowed"),
        ("duplicate_key.yaml", 9, 5, "duplicate key 'reply' (first defined on line 7)"),
        ("bad_indent_tab.yaml", 7, 1, "tab character: YAML indentation must use spaces"),
        ("bad_indent_misaligned.yaml", 7, 4, "bad indentation: this line does not line up"),
        (
            "unknown_key.yaml",
            8,
            5,
            "unknown key 'buton' in state 'menu' "
            "(allowed: buttons, final, name, reply, reviewed, sources); did you mean 'buttons'?",
        ),
        ("empty.yaml", 1, 1, "the file is empty"),
        ("binary.yaml", 4, 1, "this is a binary file, not YAML text"),
        ("not_mapping.yaml", 2, 1, "the top level must be a mapping of keys"),
        ("unknown_condition.yaml", 18, 30, "unknown condition 'is_adult'; use one of:"),
    ],
)
def test_bad_flow_file_is_reported_at_the_offending_node(
    name: str, line: int, column: int, fragment: str
) -> None:
    path = DATA / name
    problem = _at(_problems(path), line, column)
    assert str(problem).startswith(f"{path}:{line}:{column}: error: ")
    assert fragment in problem.message


def test_good_flow_loads_with_its_file_hash_as_version() -> None:
    path = DATA / "good_flow.yaml"
    flow = load_flow_file(path)
    assert flow.spec.name == "basics"
    assert flow.path == path
    assert flow.version == hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_declared_version_is_kept_with_the_file_hash(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL + 'version: "2025.06"\n')
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    assert load_flow_file(path).version == f"2025.06+{digest}"


@pytest.mark.parametrize(
    ("loc", "position"),
    [
        (("states", 1, "reply"), (15, 12)),
        (("states", 1, "reviewed"), (19, 15)),
        (("transitions", 1, "source", 1), (42, 20)),
        (("triggers", "menu", "[key]"), (62, 3)),
        (("states", 0, "sources"), (6, 5)),  # absent: the state itself
        ((), (2, 1)),
    ],
)
def test_locate_maps_a_loc_to_its_line_and_column(
    loc: tuple[str | int, ...], position: tuple[int, int]
) -> None:
    assert load_flow_file(DATA / "good_flow.yaml").locate(loc) == position


def test_billion_laughs_is_refused_before_any_data_is_validated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(*args: object, **kwargs: object) -> FlowSpec:
        raise AssertionError("validation must not run on a file with aliases")

    monkeypatch.setattr(loader.FlowSpec, "model_validate", never)
    problems = _problems(DATA / "billion_laughs.yaml")
    assert len(problems) == loader.MAX_DIAGNOSTICS_PER_FILE + 1
    assert "more problems not shown" in problems[-1].message
    assert all(p.severity == "error" for p in problems)


def test_file_over_the_size_cap_is_refused_naming_size_and_cap(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(MINIMAL.encode() + b"#" * MAX_FLOW_BYTES)
    (problem,) = _problems(path)
    size = path.stat().st_size
    assert (problem.line, problem.column) == (1, 1)
    assert f"{size} bytes, over the cap of {MAX_FLOW_BYTES} bytes" in problem.message


def test_file_that_is_not_utf8_is_reported_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.encode().replace(b"Hello.", b"Caf\xe9."))
    (problem,) = _problems(path)
    assert (problem.line, problem.column) == (6, 15)
    assert "not valid UTF-8 (byte 0xe9); save it with UTF-8 encoding" in problem.message


def test_unprintable_characters_are_each_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL.replace("Hello.", "He\x07llo.\x1b"))
    problems = _problems(path)
    assert [(p.line, p.column) for p in problems] == [(6, 14), (6, 19)]
    assert "unprintable character U+0007" in problems[0].message


def test_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path / "absent.yaml")
    assert "cannot read the file" in problem.message


def test_crlf_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes((MINIMAL + "colour: blue\n").replace("\n", "\r\n").encode())
    (problem,) = _problems(path)
    assert (problem.line, problem.column) == (8, 1)
    assert "unknown key 'colour' at the top level" in problem.message


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("name: a\n---\nname: b\n", 2, 1, "one YAML document; remove the extra '---'"),
        ("name: [a, b\ntitle: x\n", 2, 6, "need a closing bracket (it starts at 1:7)"),
        ('name: "abc\n', 2, 1, "ends inside an unfinished value (it starts at 1:7)"),
        ("name: x\nstates: [a, b]]\n", 2, 15, "unexpected ']' here; remove it"),
        ("name: x\n  title: y\n", 2, 8, "unexpected ':' here: this line is indented deeper"),
    ],
)
def test_yaml_syntax_errors_say_how_to_fix_them(
    tmp_path: Path, text: str, line: int, column: int, fragment: str
) -> None:
    (problem,) = _problems(_write(tmp_path, text))
    assert (problem.line, problem.column) == (line, column)
    assert fragment in problem.message


def test_over_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL + "fallback: " + "[" * 200 + "]" * 200 + "\n")
    (problem,) = _problems(path)
    assert "nesting deeper than" in problem.message


@pytest.mark.parametrize(
    ("extra", "column", "fragment"),
    [
        ("yes: 1", 1, "key 'yes' is read by YAML as true/false, not text; put it in quotes"),
        ("12: x", 1, "key '12' is read by YAML as a number"),
        ("<<: {title: Other}", 1, "merge keys ('<<') are not allowed"),
        ("? [a, b]\n: x", 3, "a key must be a plain word, not a list or mapping"),
        ("fallback: !!python/object:os.system x", 11, "tag 'tag:yaml.org,2002:python/object"),
        ("fallback: !!binary aGVsbG8=", 11, "tag 'tag:yaml.org,2002:binary' is not allowed"),
        ("fallback: !custom x", 11, "tag '!custom' is not allowed"),
        ("fallback: 2025-02-30", 11, "'2025-02-30' is not a valid date"),
    ],
)
def test_yaml_level_problems_are_reported_at_their_node(
    tmp_path: Path, extra: str, column: int, fragment: str
) -> None:
    (problem,) = _problems(_write(tmp_path, MINIMAL + extra + "\n"))
    assert (problem.line, problem.column) == (8, column)
    assert fragment in problem.message


def _flow_with_state(state: str) -> str:
    head = "name: demo\ntitle: Demo\ninitial: menu\nstates:\n"
    return head + textwrap.indent(textwrap.dedent(state), "  ")


@pytest.mark.parametrize(
    ("state", "line", "column", "fragment"),
    [
        ("- name: menu\n  final: true\n", 5, 5, "missing required key 'reply' in state 'menu'"),
        ("- name: menu\n  reply: yes\n", 6, 12, "'reply' in state 'menu' must be text, not the"),
        ("- name: menu\n  reply:\n", 6, 11, "'reply' in state 'menu' is empty; write some text"),
        ("- name: Menu\n  reply: Hi.\n", 5, 11, "'name' in state 'Menu' must be a lower-case"),
        ("- name: menu\n  reply: Hi.\n  final: maybe\n", 7, 12, "must be true or false"),
        ("- name: menu\n  reply: Hi.\n  reviewed: soon\n", 7, 15, "must be a date written"),
        ("- name: menu\n  reply: Hi.\n  buttons: Next\n", 7, 14, "'buttons' in state 'menu'"),
        (
            "- name: menu\n  reply: Hi.\n  buttons:\n    - {label: Go, trigger: Go}\n",
            8,
            30,
            "'trigger' in button 1 of state 'menu' must be a lower-case name",
        ),
    ],
)
def test_schema_problems_in_a_state_are_put_in_plain_words(
    tmp_path: Path, state: str, line: int, column: int, fragment: str
) -> None:
    problem = _at(_problems(_write(tmp_path, _flow_with_state(state))), line, column)
    assert fragment in problem.message


@pytest.mark.parametrize(
    ("extra", "line", "column", "fragment"),
    [
        ("version: 1.5", 8, 10, "'version' at the top level must be text, not the number 1.5"),
        (
            "transitions:\n  - {trigger: go, source: Menu, dest: menu}",
            9,
            27,
            "'source' in transition 1 (trigger 'go') must be a state name, '*' (any state) or a "
            "list of state names, not 'Menu'",
        ),
        (
            "transitions:\n  - {trigger: go, source: [menu, Other], dest: menu}",
            9,
            34,
            "item 2 of 'source' in transition 1 (trigger 'go') must be a lower-case name",
        ),
        (
            "triggers:\n  Help: {commands: [help]}",
            9,
            3,
            "trigger name 'Help' must be a lower-case name",
        ),
        (
            "triggers:\n  help: {commands: [/help]}",
            9,
            21,
            "write commands without the '/'",
        ),
        (
            "triggers:\n  help: {keywords: [need help]}",
            9,
            21,
            "keyword 'need help' has a space; put it under phrases",
        ),
        ("triggers:\n  help:", 9, 8, "trigger 'help' must be a mapping of keys, not empty"),
        (
            "triggers:\n  help: {keywords: [x]}",
            9,
            21,
            "item 1 of 'keywords' in trigger 'help' is 'x'; it needs at least 2 characters",
        ),
        (
            "transitions:\n  - {trigger: go, source: menu, dest: menu, unless: [first_turn, late]}",
            9,
            66,
            "'unless' in transition 1 (trigger 'go'): unknown condition 'late'",
        ),
        ("transitions:\n  - go", 9, 5, "transition 1 must be a mapping of keys, not 'go'"),
    ],
)
def test_schema_problems_elsewhere_are_put_in_plain_words(
    tmp_path: Path, extra: str, line: int, column: int, fragment: str
) -> None:
    problem = _at(_problems(_write(tmp_path, MINIMAL + extra + "\n")), line, column)
    assert fragment in problem.message


def test_every_schema_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = _flow_with_state("- name: menu\n  reply: Hi.\n  colour: red\n  mood: calm\n")
    problems = _problems(_write(tmp_path, text + "extra: 1\n"))
    assert [(p.line, p.column) for p in problems] == [(7, 5), (8, 5), (9, 1)]
    assert [p.message.split(" (")[0] for p in problems] == [
        "unknown key 'colour' in state 'menu'",
        "unknown key 'mood' in state 'menu'",
        "unknown key 'extra' at the top level",
    ]


def test_empty_state_list_is_reported_once(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: demo\ntitle: Demo\ninitial: menu\nstates: []\n")
    (problem,) = _problems(path)
    assert "'states' at the top level must list at least 1 item" in problem.message


def test_flow_dir_loads_yaml_and_yml_in_name_order_skipping_others(tmp_path: Path) -> None:
    _write(tmp_path, MINIMAL.replace("demo", "second"), "b.yml")
    _write(tmp_path, MINIMAL.replace("demo", "first"), "a.yaml")
    _write(tmp_path, "not: a flow", ".hidden.yaml")
    _write(tmp_path, "notes", "readme.txt")
    (tmp_path / "tests").mkdir()
    _write(tmp_path / "tests", "broken: [", "case.yaml")
    assert [flow.spec.name for flow in load_flow_dir(tmp_path)] == ["first", "second"]


def test_flow_dir_reports_the_problems_of_every_file(tmp_path: Path) -> None:
    _write(tmp_path, MINIMAL + "colour: red\n", "a.yaml")
    _write(tmp_path, MINIMAL, "b.yaml")
    _write(tmp_path, "", "c.yaml")
    with pytest.raises(FlowError) as caught:
        load_flow_dir(tmp_path)
    assert [Path(d.path).name for d in caught.value.diagnostics] == ["a.yaml", "c.yaml"]


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda root: root / "absent", "no such folder"),
        (lambda root: root, "no flow files (*.yaml, *.yml) in this folder"),
    ],
)
def test_flow_dir_that_holds_no_flows_is_an_error(
    tmp_path: Path, make: Callable[[Path], Path], fragment: str
) -> None:
    with pytest.raises(FlowError, match=re.escape(fragment)):
        load_flow_dir(make(tmp_path))
