"""The engine's quick ways answer exactly as the slow ones they stand beside.

The plain-move lookup against firing the ``transitions`` machine, the joint trigger index against
each flow's own index, and a remembered rendering against a fresh one.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from transitions import Machine

from bot.engine.compiler import CompiledFlow, Cursor, compile_flow, plain_moves
from bot.engine.engine import FlowEngine
from bot.engine.loader import load_flow_file
from bot.engine.matcher import (
    JointIndex,
    MeaningIndex,
    TriggerIndex,
    Vectors,
    build_patterns,
    tokens,
)
from bot.model import ConversationRecord
from tests.content.flow_files import ENTRY_FLOW, all_flows, load_routing_cases

DATA = Path(__file__).parent / "data"


def _flows() -> list[CompiledFlow]:
    content = [compile_flow(spec, "test") for spec in all_flows()]
    return [*content, compile_flow(load_flow_file(DATA / "good_flow.yaml").spec, "test")]


def _records() -> list[ConversationRecord]:
    base = ConversationRecord("t", "ketamine", "test", "menu", 0.0, 0.0)
    return [
        base.with_changes(turns=turns, country=country)
        for turns, country in itertools.product((0, 1, 2), (None, "DE"))
    ]


def _machine_fire(
    flow: CompiledFlow, state: str, trigger: str, record: ConversationRecord
) -> str | None:
    """What firing the event on the machine gives (CompiledFlow.fire without the lookup)."""
    event = flow.machine.events.get(trigger)
    if event is None or state not in flow.states:
        return None
    cursor = Cursor(state=state, record=record)
    return cursor.state if event.trigger(cursor) else None


@pytest.mark.parametrize("flow", _flows(), ids=lambda flow: flow.name)
def test_every_move_is_the_machines(flow: CompiledFlow) -> None:
    triggers = [*flow.machine.events, "no_such_trigger"]
    for state, trigger, record in itertools.product(
        [*flow.states, "no_such_state"], triggers, _records()
    ):
        expected = _machine_fire(flow, state, trigger, record)
        assert flow.fire(state, trigger, record) == expected, (state, trigger, record)


def test_a_move_with_conditions_is_left_to_the_machine() -> None:
    flow = compile_flow(load_flow_file(DATA / "good_flow.yaml").spec, "test")
    assert flow.plain_moves[("menu", "what")] == "what"
    assert ("effects", "done") not in flow.plain_moves  # unless/conditions: first_turn
    first, later = (r for r in _records() if r.country is None and r.turns in (1, 2))
    assert flow.fire("effects", "done", first) == "menu"
    assert flow.fire("effects", "done", later) == "goodbye"


def test_a_state_without_the_event_is_not_listed() -> None:
    flow = compile_flow(load_flow_file(DATA / "good_flow.yaml").spec, "test")
    assert ("goodbye", "what") not in flow.plain_moves
    assert "goodbye" not in flow.machine.events["what"].transitions  # the lookup added none


def test_a_machine_with_any_callback_has_no_plain_moves() -> None:
    def machine(**callbacks: object) -> Machine:
        return Machine(
            model=None,
            states=["a", "b"],
            transitions=[{"trigger": "go", "source": "a", "dest": "b"}],
            initial="a",
            auto_transitions=False,
            **callbacks,
        )

    assert plain_moves(machine()) == {("a", "go"): "b"}
    assert plain_moves(machine(after_state_change=[print])) == {}
    assert plain_moves(machine(queued=True)) == {}
    with_exit = machine()
    with_exit.get_state("a").add_callback("exit", print)
    assert plain_moves(with_exit) == {}
    with_before = machine()
    with_before.events["go"].add_callback("before", print)
    assert plain_moves(with_before) == {}


def _texts() -> list[str]:
    cases = [str(case["question"]) for case in load_routing_cases()]
    typos = ["how much dose it cots", "side efects of ketamin", "spravto aproval", "what is"]
    return [*cases, *typos, "", "   ", "¿cuánto cuesta una infusión?", "menu menu menu"]


def test_the_joint_index_answers_as_each_index() -> None:
    flows = _flows()
    views = {flow.name: flow.patterns for flow in flows}
    everything = tuple(pattern for flow in flows for pattern in flow.patterns)
    views["all"] = everything
    views["reversed"] = everything[::-1]  # ties go to the first of each view
    joint = JointIndex(views)
    indexes = {name: TriggerIndex(patterns) for name, patterns in views.items()}
    names = list(views)
    for text in _texts():
        assert joint.best(text, names) == [indexes[name].best(text) for name in names], text


def test_a_remembered_rendering_is_a_fresh_one() -> None:
    engine = FlowEngine([compile_flow(spec, "test") for spec in all_flows()], ENTRY_FLOW)
    for flow in engine.flows.values():
        for state in flow.states:
            assert engine.render(flow, state) == engine._render(flow, state)
            assert engine.render(flow, state) is engine.render(flow, state)


def _encode(texts: Sequence[str]) -> Vectors:
    """Made-up sentence vectors, the same for the same text."""
    rows = [np.random.default_rng(zlib.crc32(text.encode())).normal(size=64) for text in texts]
    return np.asarray(rows, dtype=np.float32)


def _reference_similarities(index: MeaningIndex, text: str) -> dict[object, float]:
    """The lookup as first written: np.linalg.norm, np.matmul per topic, sort, mean."""
    vectors = _encode([text.strip()]) - index._centre
    norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    vector = (vectors / norms).astype(np.float32)[0]
    found: dict[object, float] = {}
    for pattern, rows in zip(index.patterns, index._rows, strict=True):
        closest = np.matmul(rows, vector)
        closest.sort()
        closest = closest[: -index._top_k - 1 : -1]
        found[pattern] = float(np.add.reduce(closest) / len(closest))
    return found


@pytest.mark.parametrize(("top_k", "smallest"), [(1, 1), (2, 2), (3, 3), (2, 1)])
def test_similarities_are_the_same_bits_as_first_written(top_k: int, smallest: int) -> None:
    """With every topic at least top_k phrases (the table of products) and with fewer."""
    sizes = [size for size in (1, 2, 3, 4, 5, 7, 8, 13, 20, 33) if size >= smallest]
    triggers = [
        (f"topic_{size}", [f"phrase {size} {n}" for n in range(size)], ()) for size in sizes
    ]
    patterns = build_patterns("f", triggers, by_meaning=[name for name, _, _ in triggers])
    index = MeaningIndex(patterns, _encode, top_k=top_k)
    assert (index._table is not None) == (smallest >= top_k)
    for text in ["how much is it", "¿cuánto cuesta?", *(f"question {n}" for n in range(50))]:
        found = index.similarities(text)
        expected = _reference_similarities(index, text)
        assert list(found) == list(expected)
        assert [v.hex() for v in found.values()] == [v.hex() for v in expected.values()]


@pytest.mark.parametrize(
    "text",
    [
        "How much does it COST?",
        "".join(chr(code) for code in range(128)),
        "\u212a\u017fetamine",  # Kelvin sign and long s casefold to ASCII
        "¿Cuánto cuesta una infusión?",
        "Ｋｅｔａｍｉｎｅ ﬁne",  # compatibility forms
        "naïve café déjà vu",
    ],
)
def test_tokens_are_those_of_the_full_normalisation(text: str) -> None:
    """ASCII skips NFKD and the combining marks, which change nothing there."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    expected = tuple(word for word in re.split(r"[^0-9a-z]+", stripped) if word)
    tokens.cache_clear()
    assert tokens(text) == expected


def _by_meaning_cases(seed: int) -> list[tuple[list[float], list[tuple[int | None, int]], float]]:
    """Made-up similarities crowded near the threshold, each other and the keyword margin."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(3000):
        count = int(rng.integers(1, 6))
        base = float(rng.choice([0.3, 0.5, 0.1]))
        values = [base + float(rng.choice([-1, 1])) * float(rng.choice([0, 1e-5, 1e-4, 0.2, 0.3]))]
        for _ in range(count - 1):
            step = float(rng.choice([0.0, 1e-5, 3e-4, 1e-3, 0.1, 0.2, 0.2001]))
            values.append(values[0] - step * float(rng.choice([-1, 1])))
        picks = [(int(rng.integers(-1, count + 1)), int(rng.choice([0, 5, 20]))) for _ in "ab"]
        candidates = [(None if n < 0 else n, score) for n, score in picks]
        cases.append((values, candidates, float(rng.choice([0.3, 0.5]))))
    return cases


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rough_similarities_decide_only_what_the_exact_ones_decide(seed: int) -> None:
    """Whenever the rough similarities decide, the exact ones within the error decide alike."""
    from bot.engine.engine import _by_similarities, _surely_by_meaning

    error = 3e-4
    rng = np.random.default_rng(seed)
    decided = 0
    for values, picks, threshold in _by_meaning_cases(seed):
        patterns = build_patterns(
            "f",
            [(f"t{n}", [f"phrase {n}"], ()) for n in range(len(values) + 1)],
            by_meaning=[f"t{n}" for n in range(len(values)) if n % 3 != 2],
        )  # the last pattern has no similarity (a keyword-only topic)
        exact = dict(zip(patterns, values, strict=False))
        candidates = [(None if n is None else patterns[n], score) for n, score in picks]
        for _ in range(3):
            noise = rng.uniform(-error, error, size=len(values)) * rng.choice([0, 1, 1])
            rough = {
                pattern: value + float(shift)
                for (pattern, value), shift in zip(exact.items(), noise, strict=True)
            }
            surely = _surely_by_meaning(rough, error, candidates, threshold)
            if surely is not None:
                decided += 1
                assert surely == _by_similarities(exact, candidates, threshold), (
                    values,
                    picks,
                    threshold,
                    rough,
                )
    assert decided > 1000  # and it does decide most


def _index_and_texts() -> tuple[MeaningIndex, list[str]]:
    triggers = [(f"topic_{n}", [f"phrase {n} {k}" for k in range(2 + n % 4)], ()) for n in range(9)]
    patterns = build_patterns("f", triggers, by_meaning=[name for name, _, _ in triggers])
    return MeaningIndex(patterns, _encode), [f"question {n}" for n in range(80)]


def test_rough_similarities_are_within_the_error_of_the_exact_ones() -> None:
    index, texts = _index_and_texts()
    assert index.rough_similarities(texts[0]) is None  # not prepared
    index.prepare([*texts, "  ", ""])
    for text in texts:
        rough = index.rough_similarities(f"  {text} ")  # compared as stripped
        exact = index.similarities(text)
        assert rough is not None
        assert list(rough) == list(exact)
        assert max(abs(rough[p] - exact[p]) for p in exact) <= index.rough_error / 4
    assert index.rough_similarities("not in the batch") is None
    assert index.rough_similarities("") is None
    index.prepare(["another batch"])
    assert index.rough_similarities(texts[0]) is None  # the last batch only


def test_a_vector_the_encoder_gives_anew_is_not_read_roughly() -> None:
    """The encoder may forget a text between prepare and the lookup, and encode it again in
    other bits: the rough similarities are of the old vector, so they are not used."""
    shift = {"by": 0.0}

    def drifting(texts: Sequence[str]) -> Vectors:
        return _encode(texts) + np.float32(shift["by"])

    triggers = [(f"topic_{n}", [f"phrase {n} a", f"phrase {n} b"], ()) for n in range(5)]
    index = MeaningIndex(build_patterns("f", triggers), drifting)
    index.prepare(["question"])
    assert index.rough_similarities("question") is not None
    shift["by"] = 1e-6
    assert index.rough_similarities("question") is None


def test_the_engine_answers_alike_with_and_without_a_prepared_batch() -> None:
    flows = [compile_flow(spec, "test") for spec in all_flows()]
    prepared = FlowEngine(flows, ENTRY_FLOW, encode=_encode)
    plain = FlowEngine(flows, ENTRY_FLOW, encode=_encode)
    texts = [*_texts(), *(f"a question of five words number {n}" for n in range(200))]
    prepared.prepare(texts)
    assert prepared.meaning_index().rough_similarities(texts[-1]) is not None
    record = plain.new_record("t", 0.0)
    for text in texts:
        assert prepared.on_text(record, text) == plain.on_text(record, text), text


def _reference_best(index: TriggerIndex, text: str) -> tuple[object, int]:
    """TriggerIndex.best as first written: every phrase from a word present tried in full."""
    from bot.engine.matcher import KEYWORD_SCORE, _phrase_in

    words = tokens(text)
    if not words:
        return None, 0
    hits = index.hits(words)
    scores: dict[int, int] = {}
    for number, pattern in enumerate(index.patterns):
        for phrase in pattern.phrases:
            if phrase[0] in hits and _phrase_in(phrase, hits):
                scores[number] = max(scores.get(number, 0), len(phrase) * 10 + 10)
        if any(keyword in hits for keyword in pattern.keywords):
            scores[number] = max(scores.get(number, 0), KEYWORD_SCORE)
    if not scores:
        return None, 0
    number = min(scores, key=lambda n: (-scores[n], n))
    return index.patterns[number], scores[number]


def test_an_index_scores_as_first_written() -> None:
    patterns = tuple(pattern for flow in _flows() for pattern in flow.patterns)
    index = TriggerIndex(patterns)
    extra = ["side side effects effects", "how how much much", "what what is is spravato"]
    for text in [*_texts(), *extra]:
        assert index.best(text) == _reference_best(index, text), text
