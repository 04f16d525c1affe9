"""Prometheus metrics: what each replica did, and what the shared database holds.

Counted by each process (Prometheus adds the replicas up with ``sum``):

- ``crisisbot_updates_total{kind,result}``: updates by kind (text, command, button, ...) and
  result (handled, duplicate, group_notice, ignored:<reason>, failed);
- ``crisisbot_routes_total{route}``: which path the core chose (answer, crisis, check_in, ...);
- ``crisisbot_crisis_total{risk}``: crisis replies by risk (concern, high, imminent, none);
- ``crisisbot_update_latency_seconds{kind}``: from taking an update to its commit (histogram);
- ``crisisbot_send_wait_seconds``: how long a message waited for the shared send budget;
- ``crisisbot_updates_unreadable_total``: updates python-telegram-bot could not read, skipped;
- ``crisisbot_crisis_unstored_total``: crisis (or check-in) decisions whose transaction failed,
  their replies sent directly instead (see :mod:`bot.core.service`).

Read from the database when scraped, the same on every replica: open cases by risk, outbox depth
and age, time to claim (see :mod:`bot.health.storage_figures`).

No label ever holds a chat, a person or their words. :func:`default_metrics` registers the
process's counters once on ``prometheus_client.REGISTRY`` (beside its process and GC metrics);
:func:`serve_metrics` adds the database's figures and, with ``telegram.metrics_port``, a
dedicated HTTP server. The webhook app serves ``GET /metrics`` as well.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram

from bot.errors import ConfigError
from bot.health.storage_figures import CACHE_SECONDS, StorageCollector

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from bot.config import TelegramConfig
    from bot.storage import Storage

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SEND_WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST


class Metrics:
    """The counters of one process and, once :meth:`watch` is called, the database's figures."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        on = self.registry
        self.updates = Counter(
            "crisisbot_updates", "Updates by kind and result.", ["kind", "result"], registry=on
        )
        self.routes = Counter("crisisbot_routes", "Core outcomes by route.", ["route"], registry=on)
        self.crisis = Counter("crisisbot_crisis", "Crisis replies by risk.", ["risk"], registry=on)
        self.latency = Histogram(
            "crisisbot_update_latency_seconds",
            "From taking an update to its commit.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=on,
        )
        self.send_wait = Histogram(
            "crisisbot_send_wait_seconds",
            "How long a message waited for the shared send budget.",
            buckets=SEND_WAIT_BUCKETS,
            registry=on,
        )
        self.unreadable = Counter(
            "crisisbot_updates_unreadable",
            "Updates python-telegram-bot could not read; skipped so the rest are answered.",
            registry=on,
        )
        self.inbox_dead = Counter(
            "crisisbot_inbox_dead",
            "Acknowledged updates moved aside undecided (unreadable, or failing again and again).",
            registry=on,
        )
        self.crisis_unstored = Counter(
            "crisisbot_crisis_unstored",
            "Crisis or check-in decisions that could not be stored; replies sent directly.",
            registry=on,
        )
        self._watched: StorageCollector | None = None
        self._lock = threading.Lock()
        self._series: dict[
            tuple[str, str, str | None, str | None],
            tuple[Counter, Histogram, Counter | None, Counter | None],
        ] = {}

    def observe_update(
        self,
        *,
        kind: str,
        result: str,
        latency_seconds: float,
        route: str | None = None,
        risk: str | None = None,
    ) -> None:
        """Count one update; ``route`` and ``risk`` are the core's outcome, when there was one."""
        # The labelled series, found once each: ``labels()`` checks and joins its arguments on
        # every call, about 1.2 µs of CPU each, three times per update.
        key = (kind, result, route, risk)
        series = self._series.get(key)
        if series is None:
            series = (
                self.updates.labels(kind=kind, result=result),
                self.latency.labels(kind=kind),
                None if route is None else self.routes.labels(route=route),
                self.crisis.labels(risk=risk or "none") if route == "crisis" else None,
            )
            self._series[key] = series
        updates, latency, routes, crisis = series
        updates.inc()
        latency.observe(latency_seconds)
        if routes is not None:
            routes.inc()
        if crisis is not None:
            crisis.inc()

    def observe_send_wait(self, seconds: float) -> None:
        """Record the wait of one message for the shared send budget."""
        self.send_wait.observe(seconds)

    def watch(
        self,
        storage: Storage,
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Report the database's figures from ``storage`` (replacing any storage watched before);
        ``clock`` gives the time ages are counted to."""
        with self._lock:
            self._unwatch_locked()
            self._watched = StorageCollector(storage, cache_seconds=cache_seconds, clock=clock)
            self.registry.register(self._watched)

    def unwatch(self) -> None:
        """Stop reporting the database's figures."""
        with self._lock:
            self._unwatch_locked()

    def render(self) -> bytes:
        """Every metric in Prometheus' text format (runs the database queries: not on the loop)."""
        return prometheus_client.generate_latest(self.registry)

    def _unwatch_locked(self) -> None:
        if self._watched is not None:
            self.registry.unregister(self._watched)
            self._watched = None


@cache
def default_metrics() -> Metrics:
    """The process's metrics, on ``prometheus_client.REGISTRY``; created on first use."""
    return Metrics(prometheus_client.REGISTRY)


class MetricsServing:
    """What :func:`serve_metrics` started; :meth:`close` stops it."""

    def __init__(self, metrics: Metrics, server: WSGIServer | None = None) -> None:
        self.metrics = metrics
        self.server = server

    @property
    def port(self) -> int | None:
        """The dedicated metrics port, when one is served."""
        return None if self.server is None else int(self.server.server_address[1])

    def close(self) -> None:
        """Stop the dedicated server and the database's figures."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        self.metrics.unwatch()


def serve_metrics(
    storage: Storage, settings: TelegramConfig, metrics: Metrics | None = None
) -> MetricsServing:
    """Watch ``storage``; with ``telegram.metrics_port``, serve ``/metrics`` there too.

    The dedicated server listens on ``telegram.webhook_listen`` (127.0.0.1 by default).
    Raises :class:`ConfigError` when the port cannot be bound.
    """
    metrics = metrics or default_metrics()
    metrics.watch(storage)
    if settings.metrics_port is None:
        return MetricsServing(metrics)
    host, port = settings.webhook_listen, settings.metrics_port
    try:
        server, _thread = prometheus_client.start_http_server(
            port, addr=host, registry=metrics.registry
        )
    except OSError as error:
        metrics.unwatch()
        raise ConfigError(
            f"telegram.metrics_port: cannot listen on {host}:{port} ({error.strerror}); free "
            "the port or choose another one"
        ) from None
    return MetricsServing(metrics, server)


__all__ = [
    "CONTENT_TYPE",
    "Metrics",
    "MetricsServing",
    "default_metrics",
    "serve_metrics",
]
