"""Building what lives as long as the process, with Python's cyclic collector out of the way.

``chat`` and ``triage`` import their modules and build their service (the gate's lexicon and
model, the flows, the wiring) once, and keep them until the process ends. While that is built the
collector's passes over the growing heap find almost nothing to free (a few hundred objects for
about half a second of CPU), so :func:`lasting` pauses it, then freezes what was built
(:func:`gc.freeze`, as ``crisisbot run`` does once started) so later collections walk only what
the lines make. The command calls :func:`gc.unfreeze` when it returns.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def lasting() -> Iterator[None]:
    """Pause the cyclic collector for the block, then freeze what exists and resume it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


__all__ = ["lasting"]
