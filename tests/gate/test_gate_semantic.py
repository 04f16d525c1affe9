"""The semantic detector: meaning in many languages, bounded cost, shipped data that must match.

One rebuild of the shipped exemplars per session (about ten seconds) serves three tests: the
shipped vectors are exactly what ``crisisbot gate rebuild`` writes, and the out-of-fold figures
it reports stay above a floor.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.embedding import shared_encoder
from bot.embedding.encoder import _RememberingTokenizer
from bot.errors import ModelError
from bot.gate import CrisisGate
from bot.gate.semantic import SafetyNet, SemanticDetector, shared_detector
from bot.gate.semantic.build import Rebuilt, rebuild
from bot.gate.semantic.detector import DATA_DIR, META_FILE, VECTORS_FILE
from bot.gate.semantic.exemplars import EXEMPLARS_DIR, load_exemplars
from bot.gate.semantic.knn import grouped_fold_of
from bot.gate.semantic.language import shared_identifier
from bot.gate.semantic.pieces import (
    MAX_CUT_TOKENS,
    MAX_PIECES_WHEN_CUT,
    WHOLE_TOKENS_WHEN_CUT,
    select_pieces,
)
from bot.gate.semantic.safety_net import SAFETY_NET_FILE
from bot.gate.semantic.thresholds import ALL_LANGUAGES, Thresholds

FIXTURE_EXEMPLARS = Path(__file__).with_name("fixtures") / "exemplars"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def shipped_rebuild(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Rebuilt]:
    """The shipped exemplars rebuilt into a temporary folder (the package is left alone)."""
    out = tmp_path_factory.mktemp("rebuilt")
    return out, rebuild(data_dir=out)


def test_shipped_vectors_are_what_rebuild_writes(
    shipped_rebuild: tuple[Path, Rebuilt],
) -> None:
    """The same vectors to within rounding, and the same metadata but the vectors' own hash.

    The encoder's arithmetic rounds differently on another CPU or numpy release, which moves a
    float16 by its last bit: such a rebuild is not stale. Changed exemplars are (another shape,
    other rows, another exemplar hash in the metadata).
    """
    out, _ = shipped_rebuild
    stale = "is stale: run `crisisbot gate rebuild` and commit it"
    rebuilt, shipped = np.load(out / VECTORS_FILE), np.load(DATA_DIR / VECTORS_FILE)
    assert rebuilt.shape == shipped.shape, f"{VECTORS_FILE} {stale}"
    difference = np.abs(rebuilt.astype(np.float32) - shipped.astype(np.float32)).max()
    assert difference <= 4e-4, f"{VECTORS_FILE} {stale}"
    meta_rebuilt = json.loads((out / META_FILE).read_text(encoding="utf-8"))
    meta_shipped = json.loads((DATA_DIR / META_FILE).read_text(encoding="utf-8"))
    for meta in (meta_rebuilt, meta_shipped):
        meta.pop("vectors_sha256")
    # The out-of-fold figures are read off those vectors, so the same rounding moves them a
    # little: one figure by 0.0005 on a CPU other than the one that built the shipped files.
    figures_rebuilt = meta_rebuilt.pop("cross_validation")
    figures_shipped = meta_shipped.pop("cross_validation")
    assert meta_rebuilt == meta_shipped, f"{META_FILE} {stale}"
    assert _same_figures(figures_rebuilt, figures_shipped), f"{META_FILE} {stale}"


FIGURE_ROUNDING = 0.002
"""How far an out-of-fold share may move with the encoder's rounding; counts of cases and the
folds do not move."""


def _same_figures(rebuilt: object, shipped: object) -> bool:
    """Whether two reports of out-of-fold figures have the same shape and, figure by figure,
    the same value to within the encoder's rounding."""
    if isinstance(rebuilt, dict) and isinstance(shipped, dict):
        return rebuilt.keys() == shipped.keys() and all(
            _same_figures(rebuilt[key], shipped[key]) for key in rebuilt
        )
    if isinstance(rebuilt, list) and isinstance(shipped, list):
        return len(rebuilt) == len(shipped) and all(
            _same_figures(a, b) for a, b in zip(rebuilt, shipped, strict=True)
        )
    if isinstance(rebuilt, float) and isinstance(shipped, float):
        return abs(rebuilt - shipped) <= FIGURE_ROUNDING
    return rebuilt == shipped


@pytest.mark.parametrize(
    ("rebuilt", "same"),
    [
        ({"folds": 5, "recall": 0.5037, "crisis": 129}, True),
        ({"folds": 5, "recall": 0.5032, "crisis": 129}, True),
        ({"folds": 5, "recall": 0.4937, "crisis": 129}, False),
        ({"folds": 5, "recall": 0.5037, "crisis": 130}, False),
        ({"folds": 4, "recall": 0.5037, "crisis": 129}, False),
        ({"folds": 5, "recall": 0.5037}, False),
        ({"folds": 5, "recall": "0.5037", "crisis": 129}, False),
    ],
)
def test_out_of_fold_figures_compare_within_rounding(rebuilt: object, same: bool) -> None:
    assert _same_figures(rebuilt, {"folds": 5, "recall": 0.5037, "crisis": 129}) is same


def test_out_of_fold_figures_stay_above_the_floor(shipped_rebuild: tuple[Path, Rebuilt]) -> None:
    _, result = shipped_rebuild
    overall = next(f for f in result.figures if f.language == "*")
    assert overall.crisis >= 1000
    assert overall.crisis_or_check_in >= 0.85
    assert overall.false_crisis <= 0.03
    assert overall.benign_check_in <= 0.12
    for figures in result.figures:
        assert figures.crisis_or_check_in >= 0.6, figures.language


def test_figures_with_translations_held_out_are_reported_and_sterner(
    shipped_rebuild: tuple[Path, Rebuilt],
) -> None:
    out, result = shipped_rebuild
    plain = next(f for f in result.figures if f.language == "*")
    held_out = next(f for f in result.grouped_figures if f.language == "*")
    assert held_out.crisis == plain.crisis
    assert held_out.benign == plain.benign
    # a line whose translations are out of the index finds fewer of its own meaning
    assert result.grouped_recall < result.k_scores[result.k]
    assert held_out.crisis_recall < plain.crisis_recall
    stored = json.loads((out / META_FILE).read_text(encoding="utf-8"))["cross_validation"]
    assert stored["translations_held_out"]["per_language"]["*"]["crisis"] == plain.crisis
    # every candidate k on those folds, at 1, 3 and 5% false crisis: more false alarms allowed,
    # never less recall; the chosen k's 3% figure is the one above
    assert set(result.grouped_k_scores) == set(result.k_scores)
    for recalls in result.grouped_k_scores.values():
        assert list(recalls) == sorted(recalls)
    assert result.grouped_k_scores[result.k][1] == result.grouped_recall
    assert stored["translations_held_out"]["k_recall_at_false_crisis"][str(result.k)]["0.03"] == (
        round(result.grouped_recall, 4)
    )


def test_translation_keys_pair_the_lines_of_translated_files() -> None:
    exemplars = load_exemplars()
    by_key = {(e.language, e.translation_key): e.text for e in exemplars}
    assert all(e.translation_key for e in exemplars)
    assert len(by_key) == len(exemplars)  # a key is one line's place within its language
    spanish = [e for e in exemplars if e.language == "es" and e.label == "crisis"]
    assert {e.translation_key.split("/")[0] for e in spanish} == {"", "more"}  # es.yaml, es-more
    base = next(e for e in spanish if e.translation_key.startswith("/"))
    assert ("de", base.translation_key) in by_key  # its German counterpart shares the key


def test_grouped_folds_keep_a_group_in_one_fold_and_spread_the_groups() -> None:
    groups = ["a", "b", "a", "c", "d", "b", "e", "f"]
    strata = ["x", "x", "x", "x", "y", "x", "y", "y"]
    folds = grouped_fold_of(groups, strata, 2)
    for group in set(groups):
        assert len({int(f) for g, f in zip(groups, folds, strict=True) if g == group}) == 1
    assert folds.tolist() == [0, 1, 0, 0, 0, 1, 1, 0]


def test_rebuild_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    rebuild(data_dir=first, exemplars_dir=FIXTURE_EXEMPLARS)
    rebuild(data_dir=second, exemplars_dir=FIXTURE_EXEMPLARS)
    for name in (VECTORS_FILE, META_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    detector = SemanticDetector.load(data_dir=first, exemplars_dir=FIXTURE_EXEMPLARS)
    assert detector.index.vectors.shape == (12, 512)


@pytest.fixture
def copied(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the fixture exemplars and vectors built from them."""
    exemplars = tmp_path / "exemplars"
    shutil.copytree(FIXTURE_EXEMPLARS, exemplars)
    data = tmp_path / "data"
    rebuild(data_dir=data, exemplars_dir=exemplars)
    return data, exemplars


def test_changed_exemplars_refuse_to_start_and_say_to_rebuild(copied: tuple[Path, Path]) -> None:
    data, exemplars = copied
    with (exemplars / "en.yaml").open("a", encoding="utf-8") as handle:
        handle.write('    - "see you tomorrow"\n')
    with pytest.raises(ModelError, match="crisisbot gate rebuild"):
        SemanticDetector.load(data_dir=data, exemplars_dir=exemplars)


def test_vectors_of_another_model_refuse_to_start(copied: tuple[Path, Path]) -> None:
    data, exemplars = copied
    meta = json.loads((data / META_FILE).read_text(encoding="utf-8"))
    meta["model"] = "some-other-model/1.0"
    (data / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="some-other-model"):
        SemanticDetector.load(data_dir=data, exemplars_dir=exemplars)


def test_damaged_vectors_refuse_to_start(copied: tuple[Path, Path]) -> None:
    data, exemplars = copied
    raw = bytearray((data / VECTORS_FILE).read_bytes())
    raw[-1] ^= 0xFF
    (data / VECTORS_FILE).write_bytes(bytes(raw))
    with pytest.raises(ModelError, match="rebuild"):
        SemanticDetector.load(data_dir=data, exemplars_dir=exemplars)


def test_missing_vectors_refuse_to_start(copied: tuple[Path, Path]) -> None:
    data, exemplars = copied
    (data / META_FILE).unlink()
    with pytest.raises(ModelError, match="crisisbot gate rebuild"):
        SemanticDetector.load(data_dir=data, exemplars_dir=exemplars)


IDIOMS = [
    ("es", "me muero de hambre"),
    ("de", "ich lach mich tot"),
    ("it", "muoio dalla voglia di vederti"),
    ("pt", "estou morrendo de rir"),
    ("ru", "я умираю от смеха"),
    ("pl", "umieram z głodu"),
    ("tr", "açlıktan ölüyorum"),
    ("zh", "饿死了"),
    ("ar", "يا إلهي أنا ميت من الضحك"),
    ("en", "this traffic is killing me"),
]


@pytest.mark.parametrize(("lang", "text"), IDIOMS)
def test_figurative_death_talk_stays_clear(gate: CrisisGate, lang: str, text: str) -> None:
    assessment = gate.assess(text)
    assert not assessment.crisis
    assert not assessment.check_in
    assert assessment.language == lang


CRISIS_LINES = [
    ("es", "quiero dormir y no despertar nunca"),
    ("de", "ich will einfach nicht mehr aufwachen"),
    ("nl", "ik wil er niet meer zijn"),
    ("ru", "я хочу покончить с собой"),
    ("uk", "я хочу вмерти"),
    ("pl", "nie chcę już żyć"),
    ("tr", "kendimi öldürmek istiyorum"),
    ("ar", "أريد أن أنهي حياتي"),
    ("zh", "我想结束自己的生命"),
    ("en", "made sure my cat will be fed after i'm gone"),
]


@pytest.mark.parametrize(("lang", "text"), CRISIS_LINES)
def test_crisis_by_meaning_routes_to_crisis(gate: CrisisGate, lang: str, text: str) -> None:
    assessment = gate.assess(text)
    assert assessment.crisis
    assert "semantic" in assessment.detectors
    assert assessment.language == lang


def test_semantic_only_crisis_names_its_category_and_risk(gate: CrisisGate) -> None:
    assessment = gate.assess("what knot holds best around a neck")
    assert assessment.detectors == frozenset({"semantic"})
    assert assessment.rule == f"semantic.{assessment.category}"
    assert assessment.category == "means"
    assert assessment.risk is not None
    assert assessment.score is not None
    assert any(s.kind == "crisis.means" for s in assessment.signals)


def test_a_chosen_date_alone_is_planning_by_meaning(gate: CrisisGate) -> None:
    assessment = gate.assess("i've already picked the date")
    assert assessment.crisis
    assert assessment.category == "planning"


def test_crisis_sentence_inside_a_long_question_is_found() -> None:
    detector = shared_detector()
    question = (
        "My first ketamine infusion is booked for next month and I have read the leaflet twice. "
        "The clinic says the effect can last a few weeks and that blood pressure is checked. "
        "I would like to know how many sessions people usually have. "
        "Some days I just wish I could stop existing. "
        "Is it covered by insurance in most places? Thank you for any information."
    )
    assert detector.assess(question).band != "clear"


def test_safety_net_words_without_confident_benign_meaning_ask(gate: CrisisGate) -> None:
    assessment = gate.assess("is this the last message")
    assert assessment.check_in
    assert "safety_net" in assessment.detectors


def test_safety_net_matches_stems_phrases_and_scripts() -> None:
    net = SafetyNet(["suicid*", "stop breathing", "自杀", "aufwachen"])
    assert net.hits("SUICIDAL thoughts")
    assert net.hits("i want to stop   breathing")
    assert net.hits("我想自杀")
    assert net.hits("nicht mehr AUFWACHEN")
    assert not net.hits("suicine is not a word, nor is stop-breath")
    assert not net.hits("aufwachend")


def test_shipped_safety_net_loads() -> None:
    assert SafetyNet.load(SAFETY_NET_FILE).hits("overdose")


LONG = ("I have a question about spravato and how the nasal spray works in practice. " * 60)[:4096]
ADVERSARIAL = [
    pytest.param(LONG, id="4k-prose"),
    pytest.param("a" * 4096, id="one-letter"),
    pytest.param(" ".join("suicide" * 300)[:4096], id="spaced-letters"),
    pytest.param("😂🔥💯🙏" * 1024, id="emoji"),
    pytest.param("".join(chr(0x4E00 + i) for i in range(4096)), id="cjk"),
    pytest.param("word. " * 700, id="many-sentences"),
    pytest.param("\u200b".join("x" * 2048), id="zero-width"),
]


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_pieces_are_bounded_for_any_input(text: str) -> None:
    encoder = shared_encoder()
    pieces = select_pieces(text, encoder.token_count)
    assert len(pieces) <= MAX_PIECES_WHEN_CUT
    assert sum(encoder.token_count(p) for p in pieces) <= MAX_CUT_TOKENS + 2 * MAX_PIECES_WHEN_CUT


BURIED = (
    "hey, quick update from me. the new flat is finally sorted and the cat loves the window sill, "
    "she sits there all afternoon watching the pigeons on the roof opposite. my brother came "
    "round on sunday with his kids and we made pancakes, total chaos but fun. work has calmed "
    "down a bit since the audit ended, thank god. second infusion was on tuesday, the nurse was "
    "lovely and the floaty part lasted maybe forty minutes. most evenings i stand on the balcony "
    "longer than i should and look down. anyway, the "
    "clinic sent a form about transport home. do i really need someone to drive me?"
)


def test_a_sentence_buried_in_the_middle_of_a_long_message_is_read_on_its_own() -> None:
    encoder = shared_encoder()
    pieces = select_pieces(BURIED, encoder.token_count)
    assert any("look down" in piece for piece in pieces[1:]), pieces
    assert encoder.token_count(pieces[0]) <= WHOLE_TOKENS_WHEN_CUT


def test_spaced_letters_are_joined_before_encoding() -> None:
    pieces = select_pieces("s u i c i d e", shared_encoder().token_count)
    assert pieces == ["suicide"]


def test_empty_and_symbol_only_text_has_nothing_to_read() -> None:
    assert select_pieces("   \u200b ", shared_encoder().token_count) == []
    assert select_pieces("1234 🙂 !!", shared_encoder().token_count) == []
    assert shared_detector().assess("").score is None


def test_detector_loads_and_scores_with_the_network_cut() -> None:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare is not installed, so the network cannot be cut for a child process")
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"unshare -rn is not permitted here: {probe.stderr.decode().strip()}")
    script = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 443), timeout=2)\n"
        "    raise SystemExit('network still reachable')\n"
        "except OSError:\n"
        "    pass\n"
        "from bot.gate import default_gate\n"
        "a = default_gate().assess('ich will einfach nicht mehr aufwachen')\n"
        "print(a.crisis, 'semantic' in a.detectors)\n"
    )
    result = subprocess.run(
        [unshare, "-rn", sys.executable, "-c", script],
        capture_output=True,
        check=False,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "True True"


def test_shipped_exemplars_cover_every_supported_language() -> None:
    from bot.gate.semantic.language import LANGUAGES

    languages = set(json.loads((DATA_DIR / META_FILE).read_text(encoding="utf-8"))["languages"])
    assert languages == set(LANGUAGES)
    assert sorted(EXEMPLARS_DIR.glob("*.yaml"))


def test_a_check_in_on_the_score_alone_is_meaning_only(gate: CrisisGate) -> None:
    # A dose question with a body weight now reads as benign (set 11's review added such
    # questions to the exemplars); one without a weight still sits in the uncertain band.
    alone = gate.assess("how many milligrams of ketamine for a small woman")
    assert alone.check_in
    assert alone.meaning_only
    for text in ("is ketamine with alcohol dangerous, could i die", "I feel hopeless, how so"):
        assessment = gate.assess(text)
        assert assessment.check_in, text
        assert not assessment.meaning_only, text
    assert not gate.assess("I want to kill myself").meaning_only


def test_a_counted_piece_is_not_tokenized_again_to_encode_it() -> None:
    """The model reads the tokens the count remembered (served from memory, moved last)."""
    encoder = shared_encoder()
    text = "a piece counted before it is encoded, 7 words or so"
    remembering = encoder._model._sp
    assert encoder._model._model.sp is remembering
    assert encoder.token_count(text) == len(remembering._tokenizer.encode(text))
    encoder.token_count("another piece counted after it")
    encoder.encode([text], cache=False)
    assert list(remembering._ids)[-1] == text


def test_remembered_token_ids_are_bounded_and_exact() -> None:
    inner = shared_encoder()._model._sp._tokenizer
    remembering = _RememberingTokenizer(inner, size=2)
    texts = ["one", "two words", "three more words", "two words"]
    for text in texts:
        assert remembering.encode(text) == inner.encode(text)
        assert len(remembering._ids) <= 2
    assert remembering.encode(["one", "two"]) == inner.encode(["one", "two"])


def _detector_with(limits: Thresholds) -> SemanticDetector:
    """The shipped detector's exemplars, net and model with one set of thresholds for all."""
    shipped = shared_detector()
    return SemanticDetector(
        shipped.index,
        {ALL_LANGUAGES: limits},
        shipped.safety_net,
        shared_encoder(),
        shared_identifier(),
    )


def test_a_sentence_of_a_long_message_needs_the_stricter_crisis_threshold() -> None:
    # crisis from any score with safety-net words, never without them; check-in from any score
    detector = _detector_with(Thresholds(crisis=-1.0, crisis_plain=9.0, check_in=-1.0, clear=-2.0))
    short = "i want to die"
    assert detector.assess(short).band == "crisis"  # the whole message: the lenient threshold
    verdict = detector.assess(BURIED.replace("look down", "look down and think about dying"))
    assert verdict.safety_net
    assert verdict.band == "check_in"  # its best piece is one sentence of many: the strict one
