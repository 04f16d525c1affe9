"""The core: one inbound in, the replies and the record out, with every safety rule applied.

:class:`Core` decides (the crisis gate first, then system commands, the medical-advice guard and
the flows) without touching storage; :class:`Service` wraps it in the person's storage
transaction, with its replies queued in the outbox and the :class:`OutcomeListener` objects
(the moderators' desk) run in that same transaction. ``system`` holds the system commands'
fixed replies and ``check_in`` the check-in question's buttons.

The names below are loaded on first use: ``bot.core.models`` (kept for compatibility) is still
imported from below the core, and loading the pipeline there would close a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.pipeline import Core, CoreSettings
    from bot.core.service import OutcomeListener, Service

_HOMES = {
    "Core": "bot.core.pipeline",
    "CoreSettings": "bot.core.pipeline",
    "OutcomeListener": "bot.core.service",
    "Service": "bot.core.service",
}


def __getattr__(name: str) -> object:
    """Load ``Core``, ``Service``... from their modules when first asked for."""
    import importlib

    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bot.core' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = ["Core", "CoreSettings", "OutcomeListener", "Service"]
