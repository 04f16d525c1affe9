"""Crisis terms and the safety net read Cyrillic words with Latin lookalikes, Latin words with
Greek or Cyrillic lookalikes, and spaced-out Devanagari syllables as the words they are; ordinary
text around them is left alone."""

from __future__ import annotations

import pytest

from bot.gate import CrisisGate
from bot.gate.semantic import SafetyNet


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("xочу yмepеть", id="ru-latin-x-y-e-p"),
        pytest.param("Я XOЧУ УMEPETЬ", id="ru-capitals-mostly-latin-lookalikes"),
        pytest.param("не xочу жить", id="ru-latin-x"),
    ],
)
def test_latin_lookalikes_inside_cyrillic_words_route_to_crisis(
    gate: CrisisGate, text: str
) -> None:
    assert gate.assess(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("я xочу кофе", id="ru-coffee"),
        pytest.param("kupil новый iPhone, xочу чехол", id="ru-mixed-brand"),
    ],
)
def test_latin_lookalikes_in_everyday_russian_stay_clear(gate: CrisisGate, text: str) -> None:
    assert not gate.assess(text).crisis


def test_only_cyrillic_words_take_cyrillic_letters() -> None:
    net = SafetyNet(["умереть", "iphone"])
    assert net.hits("xочу yмepеть")
    assert net.hits("мой iPhone")  # a Latin word in Russian stays Latin
    assert not SafetyNet(["sуісіdе"]).hits("sуicide")  # mostly Latin: not made Cyrillic


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("आ त्म ह त्या", id="hi-spaced-syllables"),
        pytest.param("मैं आ त्म ह त्या करना चाहता हूँ", id="hi-spaced-in-a-sentence"),
    ],
)
def test_spaced_devanagari_syllables_route_to_crisis(gate: CrisisGate, text: str) -> None:
    assert gate.assess(text).crisis


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("मैं आ ज ही जा रहा हूँ", id="hi-today-spaced"),
        pytest.param("क ल मि ल ते हैं", id="hi-see-you-tomorrow-spaced"),
    ],
)
def test_spaced_everyday_devanagari_stays_clear(gate: CrisisGate, text: str) -> None:
    assert not gate.assess(text).crisis


def test_the_safety_net_joins_spaced_devanagari_syllables() -> None:
    net = SafetyNet(["आत्महत्या"])
    assert net.hits("आ त्म ह त्या")
    assert not net.hits("आ ज ही")


# Greek or Cyrillic lookalikes inside Latin words: і (U+0456), ѕ (U+0455), е (U+0435),
# а (U+0430), о (U+043E) and Greek ι (U+03B9), ο (U+03BF).
MIXED_CRISIS = [
    pytest.param("chc\u0119 umrz\u0435\u0107", "pl", id="pl-cyrillic-e"),
    pytest.param("int\u0456har etmek istiyorum", "tr", id="tr-cyrillic-i"),
    pytest.param("\u00f6lm\u0435k istiyorum", "tr", id="tr-cyrillic-e"),
    pytest.param("m\u0430rna chahta hoon", "hi-Latn", id="hinglish-cyrillic-a"),
    pytest.param("bdi m\u03bfut", "ar-Latn", id="arabizi-greek-omicron"),
]


@pytest.mark.parametrize(("text", "language"), MIXED_CRISIS)
def test_lookalikes_inside_latin_words_reach_the_crisis_terms(
    gate: CrisisGate, text: str, language: str
) -> None:
    assert gate.terms.find(text) is not None, language
    result = gate.assess(text)
    assert result.crisis
    assert result.rule is not None
    assert result.rule.endswith(".terms")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("k\u0456ll my\u0455elf", id="en-cyrillic-i-s"),
        pytest.param("su\u03b9cide", id="en-greek-iota"),
        pytest.param("je veux mour\u0456r", id="fr-cyrillic-i"),
        pytest.param("ich will sterb\u0435n", id="de-cyrillic-e"),
        pytest.param("quero morr\u0435r", id="pt-cyrillic-e"),
        pytest.param("voglio mor\u0456re", id="it-cyrillic-i"),
    ],
)
def test_lookalikes_inside_latin_words_are_read_by_the_lexicon_and_the_safety_net(
    gate: CrisisGate, text: str
) -> None:
    assert gate.assess(text).crisis
    assert gate.semantic.safety_net.hits(text)


def test_only_mostly_latin_words_take_latin_letters() -> None:
    net = SafetyNet(["kill myself", "dom", "hi"])
    assert net.hits("k\u0456ll my\u0455elf")
    assert not net.hits("\u0434o\u043c")  # "дoм": Cyrillic with one Latin o stays Cyrillic
    assert not net.hits("\u043di")  # "нi": as many Cyrillic letters as Latin ones


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Я вчера был в кино с друзьями", id="ru-cinema"),
        pytest.param("Він пішов додому після роботи", id="uk-home-after-work"),
        pytest.param("Завтра іспит з математики, я готуюсь", id="uk-exam-tomorrow"),
        pytest.param("вiн купив новий iPhone", id="uk-latin-i-and-a-brand"),
    ],
)
def test_everyday_russian_and_ukrainian_stay_as_they_are(gate: CrisisGate, text: str) -> None:
    result = gate.assess(text)
    assert (result.crisis, result.check_in) == (False, False)
    assert not gate.semantic.safety_net.hits(text)
    assert gate.terms.find(text) is None


@pytest.mark.parametrize(
    "text",
    ["chcę się zabić", "chce sie zabic", "zabiję się dzisiaj", "zabije sie dzis w nocy"],
)
def test_polish_first_person_without_its_letters_is_not_a_third_party(
    gate: CrisisGate, text: str
) -> None:
    result = gate.assess(text)
    assert result.crisis
    assert result.category == "explicit"


@pytest.mark.parametrize(
    "text",
    ["mój brat chce się zabić", "ona chce sie zabic", "kolega mówi, że się zabije"],
)
def test_polish_third_party_with_a_subject_stays_a_third_party(gate: CrisisGate, text: str) -> None:
    result = gate.assess(text)
    assert result.crisis
    assert result.category == "third_party"
