"""The shared read of py3langid's model gives each caller what its own read would."""

from __future__ import annotations

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from bot.embedding.langid import language_ranker, restricted_identifier

TEXTS = [
    "I can't sleep and everything feels pointless lately",
    "¿Cuánto dura el efecto de la ketamina?",
    "Ich weiß nicht mehr weiter, alles ist zu viel",
    "Я больше не могу так жить",
    "Мені дуже погано сьогодні",
    "je ne sais plus quoi faire",
    "",
]


def _own_read(languages: list[str]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(languages)
    return identifier


@pytest.mark.parametrize(
    "languages", [["en", "es", "fr", "de", "pt", "it", "nl", "pl", "tr"], ["ru", "uk"], ["en"]]
)
def test_restricted_identifier_equals_its_own_read_of_the_model(languages: list[str]) -> None:
    shared = restricted_identifier(languages)
    own = _own_read(languages)
    assert shared.nb_classes == own.nb_classes
    assert np.array_equal(shared.nb_ptc, own.nb_ptc)
    assert np.array_equal(shared.nb_pc, own.nb_pc)
    for text in TEXTS:
        assert shared.rank(text) == own.rank(text)
        assert shared.classify(text) == own.classify(text)


def test_restricting_one_leaves_the_others_alone() -> None:
    latin = restricted_identifier(["en", "es"])
    cyrillic = restricted_identifier(["ru", "uk"])
    assert latin.nb_classes == ["en", "es"]
    assert cyrillic.nb_classes == ["ru", "uk"]
    assert latin.rank(TEXTS[0]) == _own_read(["en", "es"]).rank(TEXTS[0])


@pytest.mark.parametrize(
    "languages", [["en", "es", "fr", "de", "pt", "it", "nl", "pl", "tr"], ["ru", "uk"], ["en"]]
)
def test_ranker_gives_py3langids_numbers_to_the_bit(languages: list[str]) -> None:
    ranker = language_ranker(languages)
    own = _own_read(languages)
    texts = [*TEXTS, "a" * 600, "ok ok ok ok", "\ud800 lone surrogate", "日本語とEnglish"]
    for text in texts:
        assert ranker.rank(text) == [(lang, float(p)) for lang, p in own.rank(text)]
        language, probability = own.classify(text)
        assert ranker.classify(text) == (language, float(probability))
        assert all(type(p) is float for _, p in ranker.rank(text))


def test_a_prepared_batch_gives_the_numbers_read_alone() -> None:
    prepared = language_ranker(["en", "es", "fr", "de", "ru", "uk"])
    alone = language_ranker(["en", "es", "fr", "de", "ru", "uk"])
    prepared.prepare(TEXTS)
    for text in TEXTS:
        assert np.array_equal(prepared.probabilities(text), alone.probabilities(text))
        assert prepared.rank(text) == alone.rank(text)
        assert prepared.classify(text) == alone.classify(text)


def test_a_prepared_text_is_not_read_again_and_a_new_batch_replaces_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ranker = language_ranker(["en", "es"])
    ranker.prepare([TEXTS[0]])
    ranker.prepare([TEXTS[1]])  # the batch before is forgotten: memory is one batch

    def unread(text: str) -> np.ndarray:
        raise AssertionError(f"read again: {text!r}")

    monkeypatch.setattr(ranker, "_probabilities", unread)
    assert ranker.classify(TEXTS[1])[0] == "es"
    with pytest.raises(AssertionError, match="read again"):
        ranker.classify(TEXTS[0])
