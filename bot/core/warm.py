"""The lexicon's regular expressions compiled in the background once a long-running process serves.

The gate and the advice guard compile a pattern the first time a message needs it, so that
``chat`` and ``triage`` start within seconds (compiling all of them, about 4,000, takes about
7 s of CPU). A process that serves for hours would otherwise make some person's message pay for
a compile now and then: up to 18 ms for the longest typo-tolerant patterns, and a message that
first needs several can take 200 ms. ``crisisbot run`` starts this thread once it serves; it
compiles one pattern at a time and sleeps a moment between them, so the thread that answers
people gets the interpreter whenever it wants it. Nothing decided changes: only when each pattern
is compiled.
"""

from __future__ import annotations

import logging
import threading
import time

from bot.core.pipeline import Core

log = logging.getLogger(__name__)

PAUSE_SECONDS = 0.002
"""Sleep after each compile: the thread takes at most about half of one CPU while it works."""


def compile_in_background(core: Core, pause: float = PAUSE_SECONDS) -> threading.Thread:
    """Start a daemon thread compiling every regular expression of ``core``'s gate and guard."""

    def compile_all() -> None:
        started = time.monotonic()
        try:
            count = core.compile_all(lambda: time.sleep(pause))
        except Exception:
            log.exception("compiling the lexicon ahead failed; patterns compile on first use")
            return
        log.info(
            "lexicon compiled ahead: %d regular expressions in %.1f s",
            count,
            time.monotonic() - started,
        )

    thread = threading.Thread(target=compile_all, name="lexicon-compile", daemon=True)
    thread.start()
    return thread


__all__ = ["PAUSE_SECONDS", "compile_in_background"]
