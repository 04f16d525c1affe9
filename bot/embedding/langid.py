"""py3langid's model, read once per process and restricted per caller.

The crisis gate (Latin-script and Cyrillic languages) and the reply language (the enabled
catalogs) each want the model restricted to their own languages. Reading it means inflating and
unpickling about 0.05 s of CPU; :func:`restricted_identifier` reads it once and hands each caller
a shallow copy restricted with ``set_languages``, which leaves the full arrays it slices alone.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from typing import Any

_full: Any = None
_lock = threading.Lock()


def restricted_identifier(languages: Iterable[str]) -> Any:
    """A py3langid ``LanguageIdentifier`` with normalised probabilities, restricted to
    ``languages``; the same state as one read from the model file and restricted alike."""
    global _full  # noqa: PLW0603 - one model per process, by design
    with _lock:
        if _full is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _full = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
        identifier = copy.copy(_full)
    identifier.set_languages(list(languages))
    return identifier


__all__ = ["restricted_identifier"]
