"""Preparing many messages at once: their pieces are encoded in one batch, ahead of assessment."""

from __future__ import annotations

import uuid

from bot.embedding import shared_encoder
from bot.gate import CrisisGate
from bot.gate.semantic.pieces import select_pieces


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
