"""The lexicon as data: the built-in floor, operator extensions, and errors that help."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import LexiconError
from bot.gate import CrisisGate, default_gate, load_lexicon
from bot.gate.lexicon import CATEGORIES
from bot.model import Risk
from tests.gate.casebook import CRISIS_FILES, load_cases


def _write(tmp_path: Path, text: str, name: str = "extra.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_built_in_lexicon_covers_every_category_with_unique_ids() -> None:
    lexicon = load_lexicon()
    ids = [rule.id for rule in lexicon.rules]
    assert len(ids) == len(set(ids))
    assert {rule.category for rule in lexicon.rules} == set(CATEGORIES)
    assert all(rule.builtin for rule in lexicon.rules)
    assert lexicon.accumulation.half_life_hours == 6
    assert lexicon.sources == (str(Path("bot/gate/lexicon.yaml").resolve()),)


def test_extension_adds_a_word_the_built_in_lexicon_does_not_know(tmp_path: Path) -> None:
    text = "gonna yeet into the void forever"
    assert not default_gate().assess(text).crisis
    extra = _write(
        tmp_path,
        """
rules:
  - id: coded.void_slang
    category: coded
    risk: high
    phrases: ["yeet into the void (forever|for good)"]
""",
    )
    gate = CrisisGate(load_lexicon(extra))
    assessment = gate.assess(text)
    assert assessment.crisis
    assert assessment.rule == "coded.void_slang"
    assert assessment.risk is Risk.HIGH


def test_extension_can_use_built_in_macros_and_add_signals(tmp_path: Path) -> None:
    extra = _write(
        tmp_path,
        """
rules:
  - id: means.local_landmark
    category: means
    risk: concern
    phrases: ["@iwill (go|going) to (the)? old quarry"]
signals:
  - id: signal.local_stress
    kind: hopelessness
    weight: 0.5
    phrases: ["exam results day"]
fuzzy:
  keys: [quarry]
""",
    )
    gate = CrisisGate(load_lexicon(extra))
    assert gate.assess("thinking about going to the old quary").crisis
    assert [s.kind for s in gate.assess("exam results day").signals] == ["hopelessness"]


def test_extension_cannot_replace_a_built_in_rule(tmp_path: Path) -> None:
    extra = _write(
        tmp_path,
        """
rules:
  - id: explicit.kill_self
    category: explicit
    risk: concern
    phrases: ["nothing at all"]
""",
    )
    with pytest.raises(LexiconError) as error:
        load_lexicon(extra)
    message = str(error.value)
    assert str(extra) in message
    assert "explicit.kill_self" in message
    assert "new id" in message


@pytest.mark.parametrize("target", ["explicit.kill_self", "explicit.*", "planning.farewell"])
def test_extension_exemption_cannot_suppress_built_in_high_or_imminent_rules(
    tmp_path: Path, target: str
) -> None:
    extra = _write(
        tmp_path,
        f"""
exemptions:
  - id: figurative.too_broad
    suppresses: ["{target}"]
    phrases: ["kill my self"]
""",
    )
    with pytest.raises(LexiconError, match=r"would suppress built-in rule .* of risk"):
        load_lexicon(extra)


def test_extension_exemption_may_suppress_a_built_in_concern_rule_in_its_span(
    tmp_path: Path,
) -> None:
    extra = _write(
        tmp_path,
        """
exemptions:
  - id: figurative.band_name
    suppresses: [mention.suicide_word]
    phrases: ["suicide kings band"]
""",
    )
    gate = CrisisGate(load_lexicon(extra))
    assert not gate.assess("the suicide kings band played last night").crisis
    assert gate.assess("the suicide kings band played and I feel suicidal").crisis


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("accumulation: {threshold: 5}", "accumulation"),
        ("negation: {cues: [never]}", "negation"),
        ("macros: {self: nothing}", "macros"),
        ("remove: [explicit.kill_self]", "remove"),
        ("fuzzy: {exclude: [suicidal]}", "exclude"),
        ("rules:\n  - {id: coded.x, category: coded, risk: high, phrase: [x]}", "phrase"),
    ],
)
def test_extension_cannot_weaken_the_floor_through_other_keys(
    tmp_path: Path, body: str, key: str
) -> None:
    with pytest.raises(LexiconError, match=f"{key}: unknown key"):
        load_lexicon(_write(tmp_path, body))


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("rules: [", "invalid YAML"),
        ("rules:\n  - &a {id: coded.x}\n  - *a", "aliases"),
        ("rules: []\nrules: []", "duplicate key 'rules'"),
        ("- a list", "expected a mapping"),
        ("rules:\n  - {id: coded.x, category: coded, risk: severe, phrases: [x]}", "risk"),
        ("rules:\n  - {id: coded.x, category: poetry, risk: high, phrases: [x]}", "category"),
        ("rules:\n  - {id: Coded X, category: coded, risk: high, phrases: [x]}", "id"),
        ("rules:\n  - {id: means.x, category: coded, risk: high, phrases: [x]}", "start with"),
        ("rules:\n  - {id: coded.x, category: coded, risk: high}", "at least one phrase"),
        ("rules:\n  - {id: coded.x, category: coded, risk: high, phrases: ['(a|b']}", "phrases[0]"),
        ("rules:\n  - {id: coded.x, category: coded, risk: high, phrases: ['@nope x']}", "@nope"),
        ("rules:\n  - {id: coded.x, category: coded, risk: high, patterns: ['(']}", "regular"),
        (
            "rules:\n  - {id: coded.x, category: coded, risk: high, patterns: ['(a+)+b']}",
            "repeated",
        ),
        ("exemptions:\n  - {id: f.x, suppresses: [coded.nothing], phrases: [x]}", "names no rule"),
        ("signals:\n  - {id: signal.x, kind: loss, weight: -1, phrases: [x]}", "greater than 0"),
        ("fuzzy: {keys: [suicidel]}", "within two edits"),
        ("fuzzy: {keys: [ab]}", "4+ letters"),
    ],
)
def test_invalid_extension_raises_lexicon_error_naming_file_and_key(
    tmp_path: Path, body: str, fragment: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(LexiconError) as error:
        load_lexicon(path)
    assert str(path) in str(error.value)
    assert fragment in str(error.value)


def test_missing_extension_file_says_which_setting_to_fix(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match=r"crisis\.lexicon_extra"):
        load_lexicon(tmp_path / "absent.yaml")


def test_an_empty_extension_file_changes_nothing(tmp_path: Path) -> None:
    lexicon = load_lexicon(_write(tmp_path, ""))
    assert lexicon.rules == load_lexicon().rules


def test_every_crisis_case_still_routes_with_an_extension_loaded(tmp_path: Path) -> None:
    extra = _write(
        tmp_path,
        """
rules:
  - {id: mention.local_word, category: mention, risk: concern, phrases: [zzyzx]}
exemptions:
  - {id: figurative.local, suppresses: [mention.local_word], phrases: [zzyzx road]}
""",
    )
    gate = CrisisGate(load_lexicon(extra))
    missed = [case.text for case in load_cases(*CRISIS_FILES) if not gate.assess(case.text).crisis]
    assert missed == []


@pytest.mark.parametrize("phrase", ["suicid*", "(suicide|overdose)", "(self harm*|overdos*)"])
def test_extension_exemption_that_covers_the_floor_is_refused(tmp_path: Path, phrase: str) -> None:
    extra = _write(
        tmp_path,
        f"""
exemptions:
  - id: figurative.too_broad
    suppresses: [mention.suicide_word, mention.self_harm_word, means.lethal_amount]
    phrases: ["{phrase}"]
""",
    )
    with pytest.raises(LexiconError, match=r"no longer reaches the crisis route") as error:
        load_lexicon(extra)
    assert str(extra) in str(error.value)


def test_every_floor_sentence_is_crisis_with_the_built_in_lexicon(gate: CrisisGate) -> None:
    from bot.gate.floor import FLOOR_SENTENCES

    for sentence in FLOOR_SENTENCES:
        assert gate.assess(sentence).crisis, sentence
