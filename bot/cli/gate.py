"""``crisisbot gate rebuild``: recompute the semantic detector's vectors and thresholds, and the
encoder's tokenizer table."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from bot.embedding.encoder import PINNED_SHA256, model_resources, verify_model_files
from bot.embedding.tokenizer import write_table
from bot.gate.semantic.build import figures_table, rebuild
from bot.gate.semantic.detector import DATA_DIR, META_FILE, VECTORS_FILE


def run_rebuild(out: TextIO, data_dir: Path = DATA_DIR) -> int:
    """Encode the exemplars, cross-validate, write the files, print the out-of-fold figures."""
    resources = model_resources()
    verify_model_files(resources)
    table = write_table(resources / "sp.model", PINNED_SHA256["sp.model"])
    print(f"wrote {table}", file=out)
    result = rebuild(data_dir=data_dir)
    print(f"wrote {data_dir / VECTORS_FILE} and {data_dir / META_FILE}", file=out)
    print("out-of-fold figures (5 folds over the exemplars):", file=out)
    print(figures_table(result), file=out)
    return 0


__all__ = ["run_rebuild"]
