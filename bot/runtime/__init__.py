"""The long-running process's chores, beside the transport that takes the updates.

upkeep      re-alert timers every second, housekeeping at start and daily
reload      check a changed flows folder and swap it in only when it is clean
flow_watch  run the reload on a timer and on SIGHUP; tell the moderators of a rejected edit
"""

from bot.runtime.flow_watch import FlowWatch
from bot.runtime.reload import FlowReloader, ReloadResult
from bot.runtime.upkeep import Upkeep

__all__ = ["FlowReloader", "FlowWatch", "ReloadResult", "Upkeep"]
