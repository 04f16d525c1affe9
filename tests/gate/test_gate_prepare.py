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
