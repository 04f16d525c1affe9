"""`crisisbot check`, `graph`, `test-flows` and `eval`, through the real process."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.auxil.cli_runs import EXAMPLE_CONFIG, ROOT, crisisbot

DATA = ROOT / "tests" / "engine" / "data"
POSITION = re.compile(r"^\S+:\d+:\d+: (error|warning): .+$")


def test_the_shipped_config_and_flows_are_clean() -> None:
    result = crisisbot("check", "--config", str(EXAMPLE_CONFIG), "--fail-on-warnings")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("duplicate_state.yaml", "defined twice"),
        ("unknown_target.yaml", "not a state"),
        ("bad_indent_tab.yaml", "tab"),
        ("bad_indent_misaligned.yaml", ""),
        ("billion_laughs.yaml", "alias"),
        ("duplicate_key.yaml", "duplicate"),
        ("long_reply.yaml", "4096"),
    ],
)
def test_bad_flow_files_get_positioned_errors_and_exit_1(name: str, fragment: str) -> None:
    result = crisisbot("check", str(DATA / name))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines
    assert all(POSITION.match(line) for line in lines), lines
    assert any(line.startswith(str(DATA / name)) and ": error: " in line for line in lines)
    assert fragment.lower() in result.stdout.lower()


def test_a_bad_config_value_names_the_key_and_exits_1(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("telegram:\n  mode: carrier-pigeon\n", encoding="utf-8")
    result = crisisbot("check", "--config", str(config))
    assert result.returncode == 1
    assert f"{config}:2:" in result.stdout
    assert "telegram.mode" in result.stdout
    assert "carrier-pigeon" in result.stdout


def test_a_config_with_an_unknown_key_stops_chat_with_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("crisis:\n  enabled: false\n", encoding="utf-8")
    result = crisisbot("chat", "--config", str(config))
    assert result.returncode == 2
    assert "unknown key 'crisis.enabled'" in result.stderr


def test_graph_prints_mermaid() -> None:
    result = crisisbot("graph", str(ROOT / "flows" / "ketamine.yaml"))
    assert result.returncode == 0
    assert "stateDiagram-v2" in result.stdout
    assert "how_it_works" in result.stdout


@pytest.mark.parametrize("flow", sorted((ROOT / "flows").glob("*.yaml")), ids=lambda p: p.stem)
def test_the_diagram_beside_each_flow_is_current(flow: Path) -> None:
    diagram = flow.with_suffix(".mmd")
    result = crisisbot("graph", str(flow))
    assert diagram.exists(), f"run: crisisbot graph {flow} -o {diagram}"
    assert diagram.read_text(encoding="utf-8") == result.stdout, (
        f"{diagram} is out of date; run: crisisbot graph {flow} -o {diagram}"
    )


def test_operator_conversation_tests_pass_with_coverage() -> None:
    result = crisisbot("test-flows", "--config", str(EXAMPLE_CONFIG))
    assert result.returncode == 0, result.stdout
    assert re.search(r"ketamine: \d+/\d+ transitions exercised", result.stdout)


def test_a_failing_conversation_test_names_file_turn_and_difference(tmp_path: Path) -> None:
    test = tmp_path / "wrong.yaml"
    test.write_text(
        "name: wrong\nturns:\n  - say: how does ketamine work\n    expect: {state: cost}\n",
        encoding="utf-8",
    )
    result = crisisbot("test-flows", "--config", str(EXAMPLE_CONFIG), str(test))
    assert result.returncode == 1
    assert f"{test}: turn 1: expected state 'cost', got 'how_it_works'" in result.stdout


def test_eval_reports_per_category_and_fails_below_threshold(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.jsonl"
    rows = [
        {"text": "i want to kill myself", "expect": "crisis", "cat": "explicit"},
        {"text": "my phone died", "expect": "benign", "cat": "figurative"},
        {"text": "how many mg should i take", "expect": "advice", "cat": "advice"},
    ]
    labelled.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    ok = crisisbot("eval", str(labelled), "--config", str(EXAMPLE_CONFIG))
    assert ok.returncode == 0, ok.stdout
    assert "crisis/explicit" in ok.stdout
    assert "crisis recall 100.0%" in ok.stdout
    rows.append({"text": "what is ketamine", "expect": "crisis", "cat": "mislabelled"})
    labelled.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    below = crisisbot("eval", str(labelled), "--config", str(EXAMPLE_CONFIG))
    assert below.returncode == 1


def test_eval_on_a_malformed_file_says_where(tmp_path: Path) -> None:
    labelled = tmp_path / "bad.jsonl"
    labelled.write_text('{"text": "x", "expect": "maybe"}\n', encoding="utf-8")
    result = crisisbot("eval", str(labelled))
    assert result.returncode == 2
    assert f"{labelled}:1:1: error:" in result.stderr


def test_chat_keeps_the_conversation_across_runs(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_CONFIG, tmp_path / "config.yaml")
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    first = crisisbot(
        "chat", "--config", "config.yaml", stdin="how does ketamine work\n", cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    assert "[answer]" in first.stdout
    assert (tmp_path / "data" / "crisisbot.db").exists()
    crisis = crisisbot("chat", "--config", "config.yaml", stdin="i want to die\n", cwd=tmp_path)
    assert "[crisis" in crisis.stdout
    later = crisisbot("chat", "--config", "config.yaml", stdin="1\n", cwd=tmp_path)
    assert "[crisis" in later.stdout  # crisis mode was kept in storage between runs


def test_chat_tags_a_check_in_and_takes_its_answer_by_number(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_CONFIG, tmp_path / "config.yaml")
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    no = crisisbot("chat", "--config", "config.yaml", stdin="i feel hopeless\n3\n", cwd=tmp_path)
    assert no.returncode == 0, no.stderr
    assert "[check_in]" in no.stdout
    assert "1. Yes" in no.stdout
    assert "3. No" in no.stdout
    assert "Thank you for answering" in no.stdout
    yes = crisisbot(
        "chat",
        "--config",
        "config.yaml",
        "--user",
        "other",
        stdin="i feel hopeless\n1\n",
        cwd=tmp_path,
    )
    assert "[crisis · high]" in yes.stdout
