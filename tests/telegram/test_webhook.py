"""The webhook app: secret check, 200 only after commit, bad bodies change nothing, probes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from bot.errors import StorageError
from bot.storage import Storage
from bot.telegram.application import TelegramBot
from bot.telegram.inbox import UpdateSink
from bot.telegram.webhook import MAX_BODY_BYTES, SECRET_HEADER, create_webhook_app
from tests.auxil.telegram_parts import EchoService
from tests.auxil.updates import UpdateFactory

SECRET = "s3cret-for-tests"
GOOD = {SECRET_HEADER: SECRET}


class Probe:
    """Storage readiness the test can switch off."""

    def __init__(self) -> None:
        self.down = False

    def __call__(self) -> None:
        if self.down:
            raise StorageError("storage unreachable (test)")


@pytest.fixture
def probe() -> Probe:
    return Probe()


@asynccontextmanager
async def _webhook_client(
    telegram_bot: TelegramBot, probe: Probe, process: UpdateSink
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking in-process to the webhook app that hands updates to ``process``."""
    app = create_webhook_app(
        bot=telegram_bot.application.bot,
        secret=SECRET,
        process=process,
        storage_ready=probe,
        path="/telegram",
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://webhook.test") as client:
        yield client


@pytest.fixture
async def client(telegram_bot: TelegramBot, probe: Probe) -> AsyncIterator[httpx.AsyncClient]:
    """The webhook app deciding each update before its 200."""
    async with _webhook_client(telegram_bot, probe, telegram_bot.process) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}],
    ids=["missing", "wrong", "longer"],
)
async def test_without_the_secret_the_answer_is_403_and_nothing_is_processed(
    client: httpx.AsyncClient,
    echo_service: EchoService,
    updates: UpdateFactory,
    headers: dict[str, str],
) -> None:
    response = await client.post("/telegram", json=updates.text(7, "hi"), headers=headers)
    assert response.status_code == 403
    assert echo_service.inbounds == []


async def test_update_is_committed_before_the_200(
    client: httpx.AsyncClient,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
) -> None:
    response = await client.post("/telegram", json=updates.text(7, "hi"), headers=GOOD)
    assert response.status_code == 200
    assert len(echo_service.inbounds) == 1
    assert sqlite_storage.outbox_depth() == 1


async def test_resent_update_gets_200_and_is_processed_once(
    client: httpx.AsyncClient, echo_service: EchoService, updates: UpdateFactory
) -> None:
    payload = updates.text(7, "hi")
    for _ in range(2):
        response = await client.post("/telegram", json=payload, headers=GOOD)
        assert response.status_code == 200
    assert len(echo_service.inbounds) == 1


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"message": {}}', b'{"update_id": "x"}', b"\xff\xfe"],
    ids=["not-json", "not-object", "no-update-id", "bad-update-id", "not-utf8"],
)
async def test_malformed_body_is_400_and_changes_nothing(
    client: httpx.AsyncClient, echo_service: EchoService, sqlite_storage: Storage, body: bytes
) -> None:
    response = await client.post("/telegram", content=body, headers=GOOD)
    assert response.status_code == 400
    assert echo_service.inbounds == []
    assert sqlite_storage.outbox_depth() == 0


async def test_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    body = json.dumps({"update_id": 1, "pad": "x" * MAX_BODY_BYTES}).encode()
    response = await client.post("/telegram", content=body, headers=GOOD)
    assert response.status_code == 413


async def test_storage_failure_is_500_so_telegram_sends_it_again(
    client: httpx.AsyncClient, echo_service: EchoService, updates: UpdateFactory
) -> None:
    payload = updates.text(7, "keep me")
    echo_service.failing = True
    assert (await client.post("/telegram", json=payload, headers=GOOD)).status_code == 500
    echo_service.failing = False
    assert (await client.post("/telegram", json=payload, headers=GOOD)).status_code == 200
    assert [inbound.text for inbound in echo_service.inbounds] == ["keep me"]


async def test_health_and_readiness(client: httpx.AsyncClient, probe: Probe) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).json() == {"ready": True}
    probe.down = True
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["ready"] is False
    assert (await client.get("/healthz")).status_code == 200


# ---- through the inbox, as `crisisbot run` wires it ------------------------------------------


@pytest.fixture
async def inbox_client(telegram_bot: TelegramBot, probe: Probe) -> AsyncIterator[httpx.AsyncClient]:
    """The webhook app storing each update in the inbox before its 200 (decided afterwards)."""
    async with _webhook_client(telegram_bot, probe, telegram_bot.accept) as client:
        yield client


async def test_through_the_inbox_the_200_comes_once_stored_and_the_decision_after(
    inbox_client: httpx.AsyncClient,
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
) -> None:
    payload = updates.text(7, "hi")
    for _ in range(2):  # re-sent: stored once
        assert (await inbox_client.post("/telegram", json=payload, headers=GOOD)).status_code == 200
    assert sqlite_storage.inbox_figures().waiting == 1
    assert echo_service.inbounds == []
    assert await telegram_bot.decider.decide_due() == 1
    assert [inbound.text for inbound in echo_service.inbounds] == ["hi"]
    assert sqlite_storage.inbox_figures().waiting == 0
    assert sqlite_storage.outbox_depth() == 1


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"message": {}}', b'{"update_id": "x"}', b"\xff\xfe", b"\x00" * 64],
    ids=["not-json", "not-object", "no-update-id", "bad-update-id", "not-utf8", "binary"],
)
async def test_through_the_inbox_a_malformed_body_is_400_and_stores_nothing(
    inbox_client: httpx.AsyncClient, sqlite_storage: Storage, body: bytes
) -> None:
    response = await inbox_client.post("/telegram", content=body, headers=GOOD)
    assert response.status_code == 400
    assert sqlite_storage.inbox_figures().waiting == 0


async def test_through_the_inbox_an_oversized_body_is_413_and_stores_nothing(
    inbox_client: httpx.AsyncClient, sqlite_storage: Storage
) -> None:
    body = json.dumps({"update_id": 1, "pad": "x" * MAX_BODY_BYTES}).encode()
    assert (await inbox_client.post("/telegram", content=body, headers=GOOD)).status_code == 413
    assert sqlite_storage.inbox_figures().waiting == 0


async def test_through_the_inbox_an_update_that_cannot_be_stored_is_500(
    inbox_client: httpx.AsyncClient,
    sqlite_storage: Storage,
    updates: UpdateFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def down(arrivals: object) -> None:
        raise StorageError("storage unreachable (test)")

    monkeypatch.setattr(sqlite_storage, "put_inbox", down)
    response = await inbox_client.post("/telegram", json=updates.text(7, "x"), headers=GOOD)
    assert response.status_code == 500


async def test_through_the_inbox_text_with_a_lone_surrogate_is_stored_and_decided(
    inbox_client: httpx.AsyncClient,
    telegram_bot: TelegramBot,
    echo_service: EchoService,
    sqlite_storage: Storage,
    updates: UpdateFactory,
) -> None:
    # valid JSON, but the text it holds has half an emoji: no UTF-8 encoding exists for it
    body = json.dumps(updates.text(8, "broken \ud83d emoji")).encode("ascii")
    response = await inbox_client.post("/telegram", content=body, headers=GOOD)
    assert response.status_code == 200
    assert sqlite_storage.inbox_figures().waiting == 1
    assert await telegram_bot.decider.decide_due() == 1
    (decided,) = echo_service.inbounds  # the adapter's text cleaning drops the half emoji
    assert decided.text.startswith("broken")
