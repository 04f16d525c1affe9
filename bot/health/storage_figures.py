"""The metrics read from the database: the same on every replica (use ``max`` across replicas).

- ``crisisbot_open_cases{risk}``: unresolved moderation cases (``none``: a person asked for a
  human without a risk signal);
- ``crisisbot_unclaimed_case_oldest_age_seconds{risk}``: how long the oldest case no moderator
  has taken yet (status ``open``) has waited, 0 when there is none: what the "nobody has claimed
  it" alerts read;
- ``crisisbot_outbox_depth`` and ``crisisbot_outbox_oldest_age_seconds``: messages waiting to be
  sent, and how long the oldest has waited;
- ``crisisbot_inbox_depth`` and ``crisisbot_inbox_oldest_age_seconds``: updates acknowledged to
  Telegram and not yet decided, and how long the oldest has waited (rows moved aside not
  counted; ``crisisbot_inbox_dead`` counts those);
- ``crisisbot_time_to_claim_seconds``: per case, from its opening to the first moderator who took
  it (``claim`` or ``talk`` in the audit log), over every claimed case (histogram);
- ``crisisbot_storage_up``: 1 when those queries answered.

:class:`StorageCollector` runs the queries when Prometheus scrapes, at most once every
``cache_seconds`` however many scrapers ask. :mod:`bot.health.metrics` registers it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client.metrics_core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, and_, func, select

from bot.moderation.tables import audit_log, cases
from bot.storage import inbox
from bot.storage.tables import is_pending, outbox

if TYPE_CHECKING:
    from bot.storage import Storage

_LOGGER = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
RISKS = ("concern", "high", "imminent", "none")
CLAIM_BUCKETS = (60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 86400.0)
CLAIM_ACTIONS = ("claim", "talk")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The database's figures at one moment."""

    open_cases: dict[str, int]
    unclaimed_oldest_age: dict[str, float]
    outbox_depth: int
    outbox_oldest_age: float
    claim_waits: tuple[float, ...]
    inbox_depth: int = 0
    inbox_oldest_age: float = 0.0
    inbox_dead: int = 0


def read_snapshot(connection: Connection, *, now: float) -> Snapshot:
    """Query the figures: three small aggregates over partial indexes and the claimed cases."""
    open_rows = connection.execute(
        select(cases.c.risk, func.count())
        .where(cases.c.status != "resolved")
        .group_by(cases.c.risk)
    )
    open_cases = dict.fromkeys(RISKS, 0)
    for risk, count in open_rows:
        open_cases[risk or "none"] = int(count)
    unclaimed_oldest_age = dict.fromkeys(RISKS, 0.0)
    unclaimed_rows = connection.execute(
        select(cases.c.risk, func.min(cases.c.opened_at))
        .where(cases.c.status == "open")
        .group_by(cases.c.risk)
    )
    for risk, opened_at in unclaimed_rows:
        unclaimed_oldest_age[risk or "none"] = max(0.0, now - float(opened_at))
    depth, oldest = connection.execute(
        select(func.count(), func.min(outbox.c.created_at)).where(is_pending(outbox))
    ).one()
    first_claim = (
        select(audit_log.c.case_id, func.min(audit_log.c.at).label("at"))
        .where(and_(audit_log.c.action.in_(CLAIM_ACTIONS), audit_log.c.allowed))
        .group_by(audit_log.c.case_id)
        .subquery()
    )
    waiting = inbox.figures(connection)
    waits = connection.execute(
        select(first_claim.c.at - cases.c.opened_at).join_from(
            first_claim, cases, cases.c.id == first_claim.c.case_id
        )
    ).scalars()
    return Snapshot(
        open_cases=open_cases,
        unclaimed_oldest_age=unclaimed_oldest_age,
        outbox_depth=int(depth),
        outbox_oldest_age=max(0.0, now - float(oldest)) if oldest is not None else 0.0,
        claim_waits=tuple(max(0.0, float(wait)) for wait in waits),
        inbox_depth=waiting.waiting,
        inbox_oldest_age=(
            max(0.0, now - waiting.oldest_received_at)
            if waiting.oldest_received_at is not None
            else 0.0
        ),
        inbox_dead=waiting.dead,
    )


class StorageCollector(Collector):
    """Reads :class:`Snapshot` on scrape, cached for ``cache_seconds`` across scrapers."""

    def __init__(
        self,
        storage: Storage,
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._storage = storage
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cached: tuple[float, Snapshot | None] | None = None
        self._lock = threading.Lock()

    def describe(self) -> Iterator[Metric]:
        """The families, without touching the database (called when registering)."""
        yield from _families(None)

    def collect(self) -> Iterator[Metric]:
        """The families with the latest figures; ``crisisbot_storage_up 0`` if unreachable."""
        yield from _families(self.snapshot())

    def snapshot(self) -> Snapshot | None:
        """The cached figures, read again once they are older than the cache time."""
        with self._lock:
            now = self._clock()
            if self._cached is not None and now - self._cached[0] < self._cache_seconds:
                return self._cached[1]
            try:
                with self._storage.transaction(write=False) as connection:
                    snapshot: Snapshot | None = read_snapshot(connection, now=now)
            except Exception as error:
                _LOGGER.warning("metrics: the database did not answer (%s)", type(error).__name__)
                snapshot = None
            self._cached = (now, snapshot)
            return snapshot


def _families(snapshot: Snapshot | None) -> Iterator[Metric]:
    up = GaugeMetricFamily("crisisbot_storage_up", "1 when the database answered the metrics.")
    up.add_metric([], 0.0 if snapshot is None else 1.0)
    yield up
    open_cases = GaugeMetricFamily(
        "crisisbot_open_cases", "Unresolved moderation cases by risk.", labels=["risk"]
    )
    unclaimed = GaugeMetricFamily(
        "crisisbot_unclaimed_case_oldest_age_seconds",
        "How long the oldest case no moderator has taken has waited, by risk (0: none waits).",
        labels=["risk"],
    )
    depth = GaugeMetricFamily("crisisbot_outbox_depth", "Messages waiting to be sent.")
    oldest = GaugeMetricFamily(
        "crisisbot_outbox_oldest_age_seconds", "How long the oldest waiting message has waited."
    )
    inbox_depth = GaugeMetricFamily(
        "crisisbot_inbox_depth", "Updates acknowledged to Telegram and not yet decided."
    )
    inbox_oldest = GaugeMetricFamily(
        "crisisbot_inbox_oldest_age_seconds",
        "How long the oldest acknowledged, undecided update has waited.",
    )
    inbox_aside = GaugeMetricFamily(
        "crisisbot_inbox_moved_aside", "Acknowledged updates moved aside undecided, kept."
    )
    claim = HistogramMetricFamily(
        "crisisbot_time_to_claim_seconds", "From a case's opening to its first moderator."
    )
    if snapshot is not None:
        for risk, count in snapshot.open_cases.items():
            open_cases.add_metric([risk], count)
        for risk, age in snapshot.unclaimed_oldest_age.items():
            unclaimed.add_metric([risk], age)
        depth.add_metric([], snapshot.outbox_depth)
        oldest.add_metric([], snapshot.outbox_oldest_age)
        inbox_depth.add_metric([], snapshot.inbox_depth)
        inbox_oldest.add_metric([], snapshot.inbox_oldest_age)
        inbox_aside.add_metric([], snapshot.inbox_dead)
        claim.add_metric(
            [], _buckets(snapshot.claim_waits, CLAIM_BUCKETS), sum(snapshot.claim_waits)
        )
    yield from (open_cases, unclaimed, depth, oldest, inbox_depth, inbox_oldest, inbox_aside, claim)


def _buckets(values: Sequence[float], bounds: Sequence[float]) -> list[tuple[str, float]]:
    """Cumulative ``(le, count)`` pairs ending with ``+Inf``."""
    pairs = [(str(bound), float(sum(1 for v in values if v <= bound))) for bound in bounds]
    return [*pairs, ("+Inf", float(len(values)))]


__all__ = ["CACHE_SECONDS", "Snapshot", "StorageCollector", "read_snapshot"]
