"""Long and hostile messages: the gate searches near anchor words, and must miss nothing for it.

The matcher tries a phrase only in windows around the words every match of it must contain
(see :mod:`bot.gate.matcher`). These tests hold it to the plain search over whole views, on long
messages where the windows are used, and pin the verdicts that pathological inputs got before
the windows existed. All text is invented.
"""

from __future__ import annotations

import random
import re

import pytest

from bot.gate import AdviceGuard, CrisisGate, default_gate, load_lexicon
from bot.gate.advice import ADVICE_PATH, _load
from bot.gate.fuzzy import TokenCorrector
from bot.gate.gate import DECIDED_UNREAD_CHARS
from bot.gate.matcher import WHOLE_VIEW_CHARS
from bot.gate.phrases import compile_phrase
from bot.gate.views import build_gate_text, draft

LIMIT = 4096
NOISE = "the appointment went fine and the nurse explained the insurance forms twice "
FILLER = NOISE.split()


def _noise(length: int) -> str:
    return (NOISE * (length // len(NOISE) + 1))[:length]


def test_phrase_buried_at_the_end_of_a_full_message_is_crisis(gate: CrisisGate) -> None:
    text = _noise(LIMIT - 22) + " i want to kill myself"
    assert len(text) == LIMIT
    result = gate.assess(text)
    assert result.crisis
    assert result.rule == "explicit.kill_self"


def test_phrase_at_the_start_of_a_full_message_is_crisis(gate: CrisisGate) -> None:
    result = gate.assess("i want to die. " + _noise(LIMIT - 15))
    assert result.crisis
    assert result.rule == "explicit.want_die"


def test_spaced_letters_inside_long_text_are_caught(gate: CrisisGate) -> None:
    text = _noise(1500) + " s u i c i d e " + _noise(1500)
    assert gate.assess(text).crisis


def test_dotted_and_glued_words_inside_long_text_are_caught(gate: CrisisGate) -> None:
    assert gate.assess(_noise(2000) + " i.want.to.die, " + _noise(1500)).crisis
    assert gate.assess(_noise(2000) + " iwanttodie " + _noise(1500)).crisis


def test_figurative_idiom_inside_long_text_stays_clear(gate: CrisisGate) -> None:
    text = _noise(2000) + " this homework is killing me " + _noise(1500)
    assert not gate.assess(text).crisis


def test_long_message_the_lexicon_decides_is_not_read_by_meaning(gate: CrisisGate) -> None:
    statement = "i want to kill myself"
    short = gate.assess(statement)
    text = _noise(DECIDED_UNREAD_CHARS) + " " + statement
    result = gate.assess(text)
    assert (result.crisis, result.risk, result.category, result.rule) == (
        short.crisis,
        short.risk,
        short.category,
        short.rule,
    )
    assert result.detectors == frozenset({"lexicon"})
    assert result.score is None
    assert result.language == "en"


def test_long_message_the_lexicon_leaves_open_is_read_by_meaning(gate: CrisisGate) -> None:
    result = gate.assess(_noise(DECIDED_UNREAD_CHARS + 500))
    assert not result.crisis
    assert result.score is not None


def _pathological() -> dict[str, str]:
    noise = _noise(LIMIT - 40)
    return {
        "run of one letter": "a" * LIMIT,
        "run of dots": "." * LIMIT,
        "run of asterisks": "*" * LIMIT,
        "letters spaced over the whole text": " ".join(NOISE * 30)[:LIMIT],
        "spaced letters at the end": (noise[: LIMIT - 60] + " s u i c i d e")[:LIMIT],
        "phrase at the end of noise": noise + " i want to kill myself",
        "phrase at the start of noise": ("i want to die. " + noise)[:LIMIT],
        "emoji only": "\U0001f600\U0001f52a\U0001f48a" * (LIMIT // 3),
        "knife emoji in prose": ("my day \U0001f52a was long " * 300)[:LIMIT],
        "near-miss words": ("sucide kil myslef overdoes pils hanging " * 120)[:LIMIT],
        "leetspeak crisis repeated": ("k1ll m3 n0w 1 w4nt t0 d13 " * 200)[:LIMIT],
        "dotted words": ("i.want.to.die," * 300)[:LIMIT],
        "glued words": ("iwanttodie" * 400)[:LIMIT],
        "masked words": ("k*ll my$elf s*icide " * 200)[:LIMIT],
        "idioms repeated": ("this homework is killing me and i could die laughing " * 80)[:LIMIT],
        "negated statements": ("i am not going to kill myself " * 140)[:LIMIT],
        "zero-width joined": "\u200b".join("i want to end my life " * 90)[:LIMIT],
        "cyrillic lookalikes": ("і wаnt tо dіе " * 300)[:LIMIT],
        "ketamine questions": ("how much ketamine should i take for my depression " * 80)[:LIMIT],
        "digits": ("1234567890 " * 400)[:LIMIT],
    }


# Recorded from the gate before it searched in windows: crisis, rule, category, number of
# signals, their kinds, and the advice rule.
BEFORE_WINDOWS = [
    ("run of one letter", False, None, None, 0, (), None),
    ("run of dots", False, None, None, 0, (), None),
    ("run of asterisks", False, None, None, 0, (), None),
    ("letters spaced over the whole text", False, None, None, 0, (), None),
    (
        "spaced letters at the end",
        True,
        "mention.suicide_word",
        "mention",
        1,
        ("crisis.mention",),
        None,
    ),
    (
        "phrase at the end of noise",
        True,
        "explicit.kill_self",
        "explicit",
        1,
        ("crisis.explicit",),
        None,
    ),
    (
        "phrase at the start of noise",
        True,
        "explicit.want_die",
        "explicit",
        1,
        ("crisis.explicit",),
        None,
    ),
    ("emoji only", False, None, None, 0, (), None),
    ("knife emoji in prose", False, None, None, 0, (), None),
    (
        "near-miss words",
        True,
        "explicit.kill_self",
        "explicit",
        2,
        ("crisis.explicit", "crisis.mention"),
        None,
    ),
    (
        "leetspeak crisis repeated",
        True,
        "explicit.want_die",
        "explicit",
        2,
        ("crisis.explicit", "crisis.passive"),
        None,
    ),
    ("dotted words", True, "explicit.want_die", "explicit", 1, ("crisis.explicit",), None),
    ("glued words", True, "explicit.want_die", "explicit", 1, ("crisis.explicit",), None),
    (
        "masked words",
        True,
        "explicit.kill_self",
        "explicit",
        2,
        ("crisis.explicit", "crisis.mention"),
        None,
    ),
    ("idioms repeated", False, None, None, 0, (), None),
    ("negated statements", True, "explicit.kill_self", "mention", 1, ("crisis.mention",), None),
    ("zero-width joined", True, "explicit.kill_self", "explicit", 1, ("crisis.explicit",), None),
    ("cyrillic lookalikes", True, "explicit.want_die", "explicit", 1, ("crisis.explicit",), None),
    ("ketamine questions", False, None, None, 0, (), "advice.dose"),
    ("digits", False, None, None, 0, (), None),
]


@pytest.mark.parametrize(
    ("name", "crisis", "rule", "category", "signals", "kinds", "advice"),
    BEFORE_WINDOWS,
    ids=[row[0] for row in BEFORE_WINDOWS],
)
def test_pathological_input_keeps_its_verdict(
    gate: CrisisGate,
    guard: AdviceGuard,
    name: str,
    crisis: bool,
    rule: str | None,
    category: str | None,
    signals: int,
    kinds: tuple[str, ...],
    advice: str | None,
) -> None:
    text = _pathological()[name]
    result = gate.assess(text)
    assert (result.crisis, result.rule, result.category) == (crisis, rule, category)
    assert len(result.signals) == signals
    assert tuple(sorted({signal.kind for signal in result.signals})) == kinds
    match = guard.check(text)
    assert (match.rule if match else None) == advice


def _random_long_texts(count: int, seed: int) -> list[str]:
    """Long texts mixing floor-style crisis lines, idioms, obfuscation and filler."""
    rng = random.Random(seed)
    lines = (
        "i want to kill myself",
        "i have been cutting myself",
        "how many pills does it take to overdose",
        "my friend wants to kill herself",
        "i am not suicidal",
        "this homework is killing me",
        "i could die laughing",
        "how much ketamine should i take",
        "everyone would be better off without me",
        "i wrote a suicide note",
        "what is the tallest bridge near me",
        "goodbye everyone, i'm done",
    )
    tricks = (
        " ".join,
        lambda line: ".".join(line.split()),
        lambda line: "".join(line.split()),
        lambda line: line.replace("i", "1").replace("e", "3"),
        lambda line: line.upper(),
        lambda line: line,
    )
    texts = []
    for _ in range(count):
        text = ""
        while len(text) < LIMIT:
            if rng.random() < 0.2:
                text += rng.choice(tricks)(rng.choice(lines)) + rng.choice((". ", ", ", " "))
            else:
                text += " ".join(rng.choices(FILLER, k=rng.randrange(3, 12))) + ". "
        texts.append(text[: rng.choice((WHOLE_VIEW_CHARS + 50, 1500, LIMIT))])
    return texts


@pytest.mark.parametrize("seed", range(4))
def test_windowed_search_finds_exactly_what_a_whole_view_search_finds(
    gate: CrisisGate, guard: AdviceGuard, seed: int
) -> None:
    sets = (gate._rule_set, gate._signal_set, gate._exemption_set)
    for text in _random_long_texts(12, seed):
        gate_text = build_gate_text(text, gate._corrector)
        for phrase_set in sets:
            assert phrase_set.find(gate_text) == phrase_set.find_whole(gate_text)
        guard_text = build_gate_text(text, guard._corrector)
        assert guard._rule_set.find(guard_text) == guard._rule_set.find_whole(guard_text)


def test_every_phrase_bounds_its_match_width() -> None:
    """Windows rely on ``width``: no match of a phrase may be longer than it says."""
    lexicon = load_lexicon()
    advice_rules, advice_exemptions, _ = _load(ADVICE_PATH)
    entries = (*lexicon.rules, *lexicon.signals, *lexicon.exemptions)
    phrases = [p for e in (*entries, *advice_rules, *advice_exemptions) for p in e.phrases]
    assert len(phrases) > 500
    for phrase in phrases:
        compiled = compile_phrase(phrase)
        longest = re._parser.parse(compiled.regex).getwidth()[1]  # type: ignore[attr-defined]
        assert compiled.width >= longest, phrase
        assert 0 <= compiled.lead <= compiled.width, phrase


def test_required_words_and_leads_of_a_phrase() -> None:
    compiled = compile_phrase("(take|swallow) ~2 pills")
    assert compiled.anchors == {"take", "swalow"}
    assert compiled.lead == 0
    assert (frozenset({"pils"}), compiled.width - 8) in compiled.requirements
    assert compile_phrase("i want to die").lead == 3  # "i" and a space before "want"


def test_guard_reuses_the_text_the_gate_read(gate: CrisisGate, guard: AdviceGuard) -> None:
    text = "is it safe to take ketamine with my sertraline, asking for a long answer"
    gate.assess(text)
    before = draft.cache_info()
    guard.check(text)
    after = draft.cache_info()
    assert after.hits == before.hits + 1
    assert after.misses == before.misses


@pytest.fixture(scope="module")
def paired() -> tuple[CrisisGate, AdviceGuard]:
    """A gate and a guard wired as the core wires them: one anchor vocabulary for both."""
    gate = default_gate()
    guard = AdviceGuard.default()
    guard.read_after(gate)
    return gate, guard


SHORT_MIXED = (
    "how much ketamine should i take",
    "i want to kill myself",
    "is it safe to drink after my spravato session",
    "we ran 10 kms this morning and i am 15 years old",
    "kms",
    "my friend said she took 40 pills",
    "can i stop my antidepressants before the infusion",
)


@pytest.mark.parametrize("seed", range(2))
def test_a_guard_wired_after_the_gate_decides_as_both_alone(
    gate: CrisisGate, guard: AdviceGuard, paired: tuple[CrisisGate, AdviceGuard], seed: int
) -> None:
    wired_gate, wired_guard = paired
    for text in (*SHORT_MIXED, *_random_long_texts(10, seed)):
        assert wired_gate.assess(text) == gate.assess(text), text
        assert wired_guard.check(text) == guard.check(text), text


def test_the_guard_reads_the_views_and_anchors_the_gate_found(
    paired: tuple[CrisisGate, AdviceGuard],
) -> None:
    gate, guard = paired
    text = "how much ketamine should i take while my doctor is away this week"
    gate.assess(text)
    gate_text = build_gate_text(text, gate._corrector)
    assert build_gate_text(text, guard._corrector) is gate_text
    assert guard._rule_set.anchors(gate_text) is gate.phrase_sets[0].anchors(gate_text)
    assert guard.check(text) is not None


def test_rules_in_order_hold_exactly_the_hits_of_one_search(guard: AdviceGuard) -> None:
    order = {rule_id: index for index, rule_id in enumerate(guard._rules)}
    for text in (*SHORT_MIXED, *_random_long_texts(8, 5)):
        gate_text = build_gate_text(text, guard._corrector)
        in_order = list(guard._rule_set.find_in_order(gate_text))
        ids = [rule_id for rule_id, _ in in_order]
        assert ids == sorted(set(ids), key=order.__getitem__)
        assert [hit for _, hits in in_order for hit in hits] == guard._rule_set.find(gate_text)


def test_word_start_patterns_are_tried_only_where_one_of_them_matches(gate: CrisisGate) -> None:
    rules = gate.phrase_sets[0]
    text = _noise(1500) + " how many pills would kill me. kms " + _noise(1500)
    gate_text = build_gate_text(text, gate._corrector)
    hits = rules.find(gate_text)
    assert hits == rules.find_whole(gate_text)
    assert {"coded.kms", "means.lethal_amount"} <= {hit.entry_id for hit in hits}
    starts = rules._starts.positions(gate_text, 0, gate_text.views[0])
    assert 0 < len(starts) <= 4  # a few positions in 3,000 characters, not every word


def test_masked_words_are_resolved_only_by_a_corrector_that_knows_them() -> None:
    masking = TokenCorrector(keys=("suicide",), masked_keys=("kill",))
    plain = TokenCorrector(keys=("ketamine",))
    text = "i want to k*ll myself"
    assert build_gate_text(text, masking).views == (" i want to kill myself ",)
    assert build_gate_text(text, plain).views == (" i want to k ll myself ",)
