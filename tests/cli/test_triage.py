"""The `crisisbot triage` JSON-lines contract, through the real process."""

from __future__ import annotations

import json
import re

from tests.auxil.cli_runs import EXAMPLE_CONFIG, crisisbot

FIELDS = {"user", "text", "route", "risk", "category", "state", "reply"}
DOSE = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg/kg|mg|ml|mcg|µg|milligrams?|sprays?)\b", re.I)


def triage(lines: list[str] | bytes) -> list[dict[str, object]]:
    data = lines if isinstance(lines, bytes) else "\n".join(lines) + "\n"
    result = crisisbot("triage", "--config", str(EXAMPLE_CONFIG), stdin=data)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_output_line_per_input_line_in_order_with_every_field() -> None:
    texts = ["what is spravato", "my cat knocked over my coffee", "i want to end it all"]
    out = triage([json.dumps({"text": t}) for t in texts])
    assert [o["text"] for o in out] == texts
    assert all(set(o) == FIELDS for o in out)
    assert [o["route"] for o in out] == ["answer", "fallback", "crisis"]
    assert "988" in str(out[2]["reply"])
    assert out[2]["risk"] in {"concern", "high", "imminent"}


def test_bad_lines_get_an_error_and_processing_goes_on() -> None:
    bad = [
        "not json at all",
        "[1, 2, 3]",
        '{"no_text": true}',
        '{"text": 42}',
        '{"text": "hi", "user": [1]}',
        '{"text": "hi", "country": 7}',
        "",
        '{"text": "how does ketamine work"}',
    ]
    out = triage(bad)
    assert len(out) == len(bad)
    assert all(set(o) == {"error"} for o in out[:-1])
    assert all(str(o["error"]).startswith(f"line {n}:") for n, o in enumerate(out[:-1], 1))
    assert out[-1]["route"] == "answer"


def test_binary_and_huge_lines_are_errors_not_crashes() -> None:
    data = b'\xff\xfe\x00garbage\n{"text": "' + b"a" * 1_100_000 + b'"}\n{"text": "hi"}\n'
    out = triage(data)
    assert len(out) == 3
    assert "not UTF-8" in str(out[0]["error"])
    assert "limit" in str(out[1]["error"])
    assert out[2]["route"] == "answer"


def test_same_user_continues_one_conversation_and_crisis_sticks() -> None:
    lines = [
        {"text": "I want to kill myself", "user": "a"},
        {"text": "jk I'm fine", "user": "a"},
        {"text": "jk I'm fine", "user": "b"},
        {"text": "how does ketamine work", "user": "a"},
    ]
    out = triage([json.dumps(line) for line in lines])
    routes = [o["route"] for o in out]
    assert routes[:2] == ["crisis", "crisis"]
    assert routes[2] in ("fallback", "check_in")  # another person: never crisis mode from "a"
    assert routes[3] == "crisis"
    assert "ketamine" not in str(out[3]["reply"]).lower()


def test_country_picks_the_lines() -> None:
    out = triage([json.dumps({"text": "i want to die", "country": "GB"})])
    assert "116 123" in str(out[0]["reply"])


def test_the_development_set_routes_as_labelled(dev_set) -> None:
    items = [json.loads(line) for line in dev_set.read_text(encoding="utf-8").splitlines() if line]
    out = triage([json.dumps({"text": item["text"]}) for item in items])
    assert len(out) == len(items)
    wrong = []
    for item, got in zip(items, out, strict=True):
        route, reply = got["route"], str(got["reply"])
        if item["expect"] == "crisis":
            ok = route == "crisis" and "988" in reply
        elif item["expect"] == "benign":
            ok = route != "crisis"
        else:
            ok = route == "medical_advice" and DOSE.search(reply) is None
        if not ok:
            wrong.append((item["expect"], item["text"], route))
    assert wrong == []


def test_an_unsure_line_is_routed_check_in_and_a_typed_answer_continues() -> None:
    lines = [
        {"text": "I feel hopeless", "user": "a"},
        {"text": "no", "user": "a"},
        {"text": "I feel hopeless", "user": "b"},
        {"text": "not sure", "user": "b"},
    ]
    out = triage([json.dumps(line) for line in lines])
    assert [o["route"] for o in out] == ["check_in", "fallback", "check_in", "crisis"]
    assert "988" in str(out[0]["reply"])
    assert "[Yes] | [Not sure] | [No]" in str(out[0]["reply"])
    assert out[3]["category"] == "check_in"


def test_a_lone_surrogate_or_nul_is_cleaned_and_triaged_and_the_run_goes_on() -> None:
    lines = [
        '{"text": "I want to kill myself \\ud83d"}',
        '{"text": "I want to ki\\ud83dll myself"}',
        '{"text": "what is spravato\\u0000", "user": "\\udc80x"}',
        '{"text": "how does ketamine work"}',
    ]
    out = triage(lines)
    assert [o.get("route") for o in out] == ["crisis", "crisis", "answer", "answer"]
    assert out[0]["text"] == "I want to kill myself "
    assert out[2]["text"] == "what is spravato"
    assert out[2]["user"] == "x"


def test_a_file_read_ahead_in_batches_triages_exactly_as_a_pipe_line_by_line(tmp_path) -> None:
    """From a file, lines are read ahead, their sentences encoded in one batch (a cache) and
    decided in waves of one line per conversation, each wave in one transaction; the output
    must be the same, line for line, as a pipe read a line at a time."""
    from bot.cli.triage import READ_AHEAD_LINES

    texts = [
        "what is spravato", "i want to end it all", "this exam is killing me",
        "how much ketamine should i take", "me muero de hambre", "ich will nicht mehr leben",
        "je suis mort de rire", "no quiero despertar mañana", "ok thanks, bye", "not sure",
        "I feel hopeless", "no",
    ]  # fmt: skip
    lines = []
    for index, text in enumerate(texts * 25):
        if index % 5 == 4:
            lines.append(json.dumps({"text": text}))  # a conversation of its own
        elif index % 40 < 12:
            lines.append(json.dumps({"text": text, "user": "run"}))  # one person, line after line
        else:
            lines.append(json.dumps({"text": text, "user": index % 7}))
    lines[5], lines[70] = "not json", '{"text": 3}'  # errors inside a read-ahead group
    lines[READ_AHEAD_LINES - 1] = '{"text": "hi", "user": [1]}'  # and at a group's end
    data = ("\n".join(lines) + "\n").encode()
    source = tmp_path / "lines.jsonl"
    source.write_bytes(data)

    from_file = crisisbot("triage", "--config", str(EXAMPLE_CONFIG), stdin=source)
    from_pipe = crisisbot("triage", "--config", str(EXAMPLE_CONFIG), stdin=data)

    assert from_file.returncode == from_pipe.returncode == 0, from_file.stderr
    assert len(from_file.stdout.splitlines()) == len(lines) > READ_AHEAD_LINES
    assert from_file.stdout == from_pipe.stdout
    routes = {json.loads(line).get("route") for line in from_file.stdout.splitlines()}
    assert {"crisis", "check_in", "answer", "medical_advice", None} <= routes
