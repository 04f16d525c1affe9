"""Preparing many messages at once: their pieces are encoded in one batch, ahead of assessment."""

from __future__ import annotations

import uuid

from bot.embedding import shared_encoder
from bot.gate import CrisisGate
from bot.gate.semantic.pieces import select_pieces
from bot.model import Signal
from tests.gate.casebook import load_cases


def test_prepare_encodes_every_piece_of_every_message_into_the_cache(gate: CrisisGate) -> None:
    tag = uuid.uuid4().hex  # pieces no earlier test has encoded
    texts = [
        f"question {tag}: what does spravato cost. i just want it all to stop for good",
        f"{tag} me muero de hambre",
        f"ich will nicht mehr aufwachen {tag}",
    ]
    encoder = shared_encoder()
    pieces = [
        piece
        for text in texts
        for piece in select_pieces(text, encoder.token_count, gate.semantic.safety_net.hits)
    ]
    assert len(pieces) > len(texts)  # the first message is read whole and by sentence
    assert not any(encoder.holds(piece) for piece in pieces)

    gate.prepare(texts)

    assert all(encoder.holds(piece) for piece in pieces)


def test_prepare_takes_empty_and_unreadable_messages(gate: CrisisGate) -> None:
    gate.prepare([])
    gate.prepare(["", "   ", "\u200b", "😂" * 5000])


def test_prepared_messages_get_the_verdicts_they_get_alone(gate: CrisisGate) -> None:
    """Preparing scores a whole batch against the exemplars in one product; the scores may
    differ by float rounding only, and the bands and categories not at all."""
    texts = [
        "i keep hoping i won't wake up",
        "how many sessions are usual",
        "je suis mort de rire",
        "what is the lethal amount of my pills",
    ]
    gate.prepare([])  # nothing prepared: each message is scored on its own
    alone = [gate.semantic.assess(text) for text in texts]
    gate.prepare(texts)  # the same messages, scored as one batch
    prepared = [gate.semantic.assess(text) for text in texts]

    assert [(v.band, v.category, v.language) for v in prepared] == [
        (v.band, v.category, v.language) for v in alone
    ]
    assert all(
        abs(a.score - b.score) < 1e-5 for a, b in zip(alone, prepared, strict=True) if a.score
    )


# -- the lexicon's readings kept for a batch ----------------------------------------------------

_READ_AHEAD_FILES = (
    "explicit",
    "coded",
    "means",
    "obfuscation",
    "figurative",
    "everyday",
    "low_mood",
    "languages_crisis",
    "languages_benign",
)
T0 = 1_700_000_000.0


def _own_gate(gate: CrisisGate) -> CrisisGate:
    """A gate of its own over the shared one's lexicon, detector and terms: what a test keeps in
    it reaches no other test."""
    return CrisisGate(gate.lexicon, gate.semantic, gate.terms)


def test_assessing_from_kept_readings_gives_the_verdicts_of_reading_alone(
    gate: CrisisGate,
) -> None:
    """Every verdict, signal and timestamp is the same whether the lexicon read each text during
    the assessment or ahead, with the batch: crisis, figurative, obfuscated, other languages,
    and weak signals adding up across turns."""
    texts = [case.text for case in load_cases(*_READ_AHEAD_FILES)]
    texts += ["I lost my job today", "how many sleeping pills come in a pack"]
    own = _own_gate(gate)
    history: list[Signal] = []
    alone = []
    for index, text in enumerate(texts):
        verdict = own.assess(text, tuple(history[-6:]), T0 + index)
        history.extend(verdict.signals)
        alone.append(verdict)

    own.keep_readings({text: own.read(text) for text in texts})
    history.clear()
    ahead = []
    for index, text in enumerate(texts):
        verdict = own.assess(text, tuple(history[-6:]), T0 + index)
        history.extend(verdict.signals)
        ahead.append(verdict)

    assert ahead == alone
    assert any(verdict.crisis for verdict in ahead)
    assert any(not verdict.crisis for verdict in ahead)
    assert ahead[-1].rule == "accumulated.means"  # the loss before it added up


def test_a_kept_reading_is_what_the_gate_starts_from_until_the_next_batch(
    gate: CrisisGate,
) -> None:
    """The gate takes a kept reading as it is (so the batch must be read by this gate), stamps
    its weak signals with the assessment's time, and forgets it when the next batch is kept."""
    own = _own_gate(gate)
    question = "how long does a session take"
    own.keep_readings({question: own.read("I want to kill myself")})
    assert own.assess(question, now=T0).crisis

    own.keep_readings({question: own.read("I lost my job today")})
    found = own.assess(question, now=T0 + 60)
    assert [(signal.kind, signal.at) for signal in found.signals] == [("loss", T0 + 60)]

    own.keep_readings({})
    assert own.assess(question, now=T0) == own.assess(question, now=T0)
    assert not own.assess(question, now=T0).crisis
    assert not own.assess(question, now=T0).signals


def test_a_reading_with_a_crisis_finding_or_term_is_a_crisis_whatever_came_before(
    gate: CrisisGate,
) -> None:
    """What the core skips the advice guard for: a reading that is crisis on its own is crisis
    in every assessment, and one that is not depends on more than the text."""
    found, term = gate.read("I want to kill myself"), gate.read("私は死にたい")
    assert found.findings
    assert term.term is not None
    assert not term.findings
    for text, reading in (("I want to kill myself", found), ("私は死にたい", term)):
        assert reading.crisis
        assert gate.assess(text).crisis
    assert not gate.read("what is a ketamine session like").crisis
    assert not gate.read("I lost my job today").crisis
