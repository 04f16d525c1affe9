"""Sentence embeddings shared by the crisis gate and the flow engine.

One multilingual encoder (Universal Sentence Encoder multilingual v3, pure numpy) ships with the
package from the registry; its files are checked against pinned hashes before first use and it
is loaded once per process.
"""

from bot.embedding.encoder import (
    EMBEDDING_DIM,
    MODEL_ID,
    Encoder,
    EncoderIntegrityError,
    shared_encoder,
)

__all__ = ["EMBEDDING_DIM", "MODEL_ID", "Encoder", "EncoderIntegrityError", "shared_encoder"]
