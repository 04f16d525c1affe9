"""The core: one inbound in, the replies and the record out, with every safety rule applied.

:class:`Core` decides (the crisis gate first, then system commands, the medical-advice guard and
the flows) without touching storage; :class:`Service` wraps it in the person's storage
transaction, with its replies queued in the outbox and the :class:`OutcomeListener` objects
(the moderators' desk) run in that same transaction. ``system`` holds the system commands'
fixed replies and ``check_in`` the check-in question's buttons. The shared types live below the
core, in :mod:`bot.model`.
"""

from bot.core.pipeline import Core, CoreSettings
from bot.core.service import OutcomeListener, Service

__all__ = ["Core", "CoreSettings", "OutcomeListener", "Service"]
