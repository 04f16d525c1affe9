"""Prometheus metrics: per-update counters, the database's figures on both backends, serving."""

from __future__ import annotations

import logging
import socket
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from bot.config import ModerationConfig, TelegramConfig, load_config
from bot.core.service import Service
from bot.errors import ConfigError, StorageError
from bot.health.metrics import CONTENT_TYPE, Metrics, serve_metrics
from bot.health.storage_figures import StorageCollector
from bot.model import ConversationRecord, Outcome, Reply, Risk, Route
from bot.moderation import ModerationDesk
from bot.storage import Storage
from bot.telegram.logs import UpdateLog
from bot.telegram.webhook import create_webhook_app
from tests.auxil.botprocess import free_port
from tests.auxil.moderation_people import (
    EXAMPLE_CONFIG,
    HIGH_TEXT,
    IMMINENT_TEXT,
    MOD_CHAT,
    MODERATORS,
    Clock,
    Person,
)

CHAT = 4242


@pytest.fixture
def metrics() -> Metrics:
    """Metrics on a registry of their own, so counts start at zero."""
    return Metrics(CollectorRegistry())


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def outcome(route: Route, risk: Risk | None = None) -> Outcome:
    record = ConversationRecord("tg:1", "ketamine", "1", "menu", 0.0, 0.0)
    return Outcome(route, (Reply("ok"),), record, risk=risk)


@pytest.mark.parametrize(
    ("route", "risk", "crisis_label"),
    [
        (Route.ANSWER, None, None),
        (Route.CHECK_IN, None, None),
        (Route.CRISIS, Risk.IMMINENT, "imminent"),
        (Route.CRISIS, None, "none"),
    ],
)
def test_each_update_counts_its_kind_result_route_risk_and_latency(
    metrics: Metrics, route: Route, risk: Risk | None, crisis_label: str | None
) -> None:
    log = UpdateLog(b"k" * 32, logger=logging.getLogger("tests.silent"), metrics=metrics)
    log.logger.setLevel(logging.WARNING)  # counted even when the log line is off
    log.record(
        update_id=1,
        chat_id=CHAT,
        kind="text",
        result="handled",
        latency_ms=30.0,
        outcome=outcome(route, risk),
        text="an invented message",
    )
    assert value(metrics, "crisisbot_updates_total", kind="text", result="handled") == 1
    assert value(metrics, "crisisbot_routes_total", route=route.value) == 1
    assert value(metrics, "crisisbot_update_latency_seconds_sum", kind="text") == 0.03
    assert value(metrics, "crisisbot_update_latency_seconds_bucket", kind="text", le="0.05") == 1
    crisis = value(metrics, "crisisbot_crisis_total", risk=crisis_label or "imminent")
    assert crisis == (1 if crisis_label else None)


def test_updates_alike_add_up_and_others_count_apart(metrics: Metrics) -> None:
    for _ in range(3):
        metrics.observe_update(kind="text", result="handled", latency_seconds=0.01, route="answer")
    metrics.observe_update(kind="text", result="duplicate", latency_seconds=0.01)
    metrics.observe_update(
        kind="text", result="handled", latency_seconds=0.01, route="crisis", risk="high"
    )
    metrics.observe_update(kind="text", result="handled", latency_seconds=0.01, route="crisis")
    assert value(metrics, "crisisbot_updates_total", kind="text", result="handled") == 5
    assert value(metrics, "crisisbot_updates_total", kind="text", result="duplicate") == 1
    assert value(metrics, "crisisbot_routes_total", route="answer") == 3
    assert value(metrics, "crisisbot_routes_total", route="crisis") == 2
    assert value(metrics, "crisisbot_crisis_total", risk="high") == 1
    assert value(metrics, "crisisbot_crisis_total", risk="none") == 1
    assert value(metrics, "crisisbot_update_latency_seconds_count", kind="text") == 6


def test_no_chat_or_words_reach_the_metrics(metrics: Metrics) -> None:
    log = UpdateLog(b"k" * 32, log_text=True, metrics=metrics)
    log.record(
        update_id=9,
        chat_id=987654321,
        kind="text",
        result="duplicate",
        latency_ms=1.0,
        text="an invented secret sentence",
    )
    page = metrics.render().decode()
    assert "987654321" not in page
    assert "secret sentence" not in page
    assert log.chat_hash(987654321) not in page


@pytest.fixture(scope="module")
def core() -> Any:
    from bot.app import build_core

    return build_core(load_config(EXAMPLE_CONFIG), handoff_available=True)


@pytest.fixture
def desk_and_people(storage: Storage, core: Any) -> tuple[ModerationDesk, Clock, list[Person]]:
    """Three people in crisis (two imminent, one high), on the desk's clock."""
    clock = Clock()
    moderation = ModerationConfig(chat_id=MOD_CHAT, moderators=MODERATORS)
    desk = ModerationDesk(storage, core, moderation, clock=clock)
    service = Service(core, storage, listeners=[desk.listener()])
    people = [Person(service, clock, chat=str(chat)) for chat in (11, 12, 13)]
    for person, text in zip(people, (IMMINENT_TEXT, IMMINENT_TEXT, HIGH_TEXT), strict=True):
        person.say(text)
    return desk, clock, people


def test_database_figures_open_cases_outbox_and_time_to_claim(
    storage: Storage, metrics: Metrics, desk_and_people: tuple[ModerationDesk, Clock, list[Person]]
) -> None:
    desk, clock, _people = desk_and_people
    metrics.watch(storage, cache_seconds=0.0, clock=clock)
    assert value(metrics, "crisisbot_storage_up") == 1
    assert value(metrics, "crisisbot_open_cases", risk="imminent") == 2
    assert value(metrics, "crisisbot_open_cases", risk="high") == 1
    assert value(metrics, "crisisbot_open_cases", risk="concern") == 0
    depth = value(metrics, "crisisbot_outbox_depth")
    assert depth is not None
    assert depth >= 6  # three replies and three alerts, nothing sent
    assert value(metrics, "crisisbot_time_to_claim_seconds_count") == 0
    assert value(metrics, "crisisbot_unclaimed_case_oldest_age_seconds", risk="concern") == 0

    [first, second, _third] = desk.book.cases()
    clock.advance(90.0)
    assert desk.act(actor_id=MODERATORS[0], action="claim", case_id=first.id).allowed
    waiting = value(metrics, "crisisbot_unclaimed_case_oldest_age_seconds", risk="imminent")
    assert waiting == pytest.approx(clock.now - second.opened_at)  # the first was claimed
    clock.advance(600.0)
    assert desk.act(actor_id=MODERATORS[1], action="talk", case_id=second.id).allowed
    assert value(metrics, "crisisbot_unclaimed_case_oldest_age_seconds", risk="imminent") == 0
    assert desk.act(actor_id=MODERATORS[1], action="claim", case_id=first.id).allowed  # not first
    waits = [
        first_claim - opened
        for first_claim, opened in (
            (clock.now - 600.0, first.opened_at),
            (clock.now, second.opened_at),
        )
    ]
    assert value(metrics, "crisisbot_time_to_claim_seconds_count") == 2
    assert value(metrics, "crisisbot_time_to_claim_seconds_sum") == pytest.approx(sum(waits))
    assert value(metrics, "crisisbot_time_to_claim_seconds_bucket", le="120.0") == 0
    assert value(metrics, "crisisbot_time_to_claim_seconds_bucket", le="900.0") == 2


def test_figures_are_cached_between_scrapes(storage: Storage) -> None:
    clock = Clock(1000.0)
    collector = StorageCollector(storage, cache_seconds=5.0, clock=clock)
    first = collector.snapshot()
    with storage.conversation("tg:5") as tx:
        assert tx is not None
        tx.enqueue("5", Reply("queued after the first scrape"))
    clock.advance(1.0)
    assert collector.snapshot() is first
    clock.advance(5.0)
    again = collector.snapshot()
    assert first is not None
    assert again is not None
    assert (first.outbox_depth, again.outbox_depth) == (0, 1)


class DownStorage:
    """A storage whose database does not answer."""

    def transaction(self, *, write: bool = True) -> Any:
        raise StorageError("the database is down (test)")


def test_unreachable_database_reports_storage_down(
    metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    metrics.watch(DownStorage(), cache_seconds=0.0)  # type: ignore[arg-type]
    assert value(metrics, "crisisbot_storage_up") == 0
    assert value(metrics, "crisisbot_outbox_depth") is None
    assert "did not answer (StorageError)" in caplog.text


def test_watching_again_replaces_the_storage(storage: Storage, metrics: Metrics) -> None:
    metrics.watch(DownStorage())  # type: ignore[arg-type]
    metrics.watch(storage)
    assert value(metrics, "crisisbot_storage_up") == 1
    metrics.unwatch()
    assert value(metrics, "crisisbot_storage_up") is None


async def test_webhook_app_serves_the_metrics(metrics: Metrics) -> None:
    metrics.observe_update(kind="text", result="handled", latency_seconds=0.01)

    async def process(update: object) -> bool:
        return True

    app = create_webhook_app(
        bot=None,  # type: ignore[arg-type]  # not used by GET /metrics
        secret="s",
        process=process,
        storage_ready=lambda: None,
        metrics=metrics,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://replica.test") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE
    assert 'crisisbot_updates_total{kind="text",result="handled"} 1.0' in response.text


def test_metrics_port_serves_the_same_page_and_closes(
    sqlite_storage: Storage, metrics: Metrics
) -> None:
    serving = serve_metrics(sqlite_storage, TelegramConfig(metrics_port=free_port()), metrics)
    try:
        response = httpx.get(f"http://127.0.0.1:{serving.port}/metrics", timeout=10)
        assert response.status_code == 200
        assert "crisisbot_storage_up 1.0" in response.text
    finally:
        serving.close()
    assert value(metrics, "crisisbot_storage_up") is None


def test_busy_metrics_port_is_a_config_error_naming_the_key(
    sqlite_storage: Storage, metrics: Metrics
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(
            ConfigError, match=rf"telegram.metrics_port: cannot listen on 127.0.0.1:{port}"
        ):
            serve_metrics(sqlite_storage, TelegramConfig(metrics_port=port), metrics)
    assert value(metrics, "crisisbot_storage_up") is None


def test_without_a_metrics_port_only_the_database_is_watched(
    sqlite_storage: Storage, metrics: Metrics
) -> None:
    serving = serve_metrics(sqlite_storage, TelegramConfig(), metrics)
    assert serving.port is None
    assert value(metrics, "crisisbot_storage_up") == 1
    serving.close()
