"""Is the process well: what it counts, what the database holds, whether storage takes updates.

metrics         the process's Prometheus counters, and the ``/metrics`` page beside the bot
storage_figures the figures read from the shared database when scraped (open cases, outbox)
storage_check   start-up and readiness checks of an embedded SQLite database
"""

from bot.health.metrics import CONTENT_TYPE, Metrics, MetricsServing, default_metrics, serve_metrics
from bot.health.storage_check import check_ready, verify_sqlite
from bot.health.storage_figures import StorageCollector

__all__ = [
    "CONTENT_TYPE",
    "Metrics",
    "MetricsServing",
    "StorageCollector",
    "check_ready",
    "default_metrics",
    "serve_metrics",
    "verify_sqlite",
]
