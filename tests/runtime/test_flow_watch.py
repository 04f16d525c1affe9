"""The flow watch: a rejected edit keeps the running flows and tells the moderators' chat.

Each test works on a copy of the project's flows in ``tmp_path``; edits are invented.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build_core
from bot.config import load_config
from bot.core.service import Service
from bot.runtime.flow_watch import NOTICE_PROBLEMS, FlowWatch, rejected_notice
from bot.runtime.reload import FlowReloader, ReloadResult
from bot.storage import Storage
from bot.storage.outbox import NO_CONVERSATION, reply_from_json
from bot.storage.tables import outbox
from tests.auxil.moderation_people import EXAMPLE_CONFIG, ROOT
from tests.auxil.waiting import eventually

MOD_CHAT = -100_654
ROUTE = '  - {trigger: how_it_works, source: "*", dest: how_it_works}'
BROKEN_ROUTE = '  - {trigger: how_it_works, source: "*", dest: how_it_workz}'


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    copy = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", copy)
    return copy


@pytest.fixture
def service(flows: Path, sqlite_storage: Storage) -> Service:
    config = load_config(EXAMPLE_CONFIG).model_copy(update={"flows_dir": flows})
    return Service(build_core(config), sqlite_storage)


def break_the_flow(flows: Path) -> None:
    path = flows / "ketamine.yaml"
    text = path.read_text(encoding="utf-8")
    assert ROUTE in text
    path.write_text(text.replace(ROUTE, BROKEN_ROUTE), encoding="utf-8")


def watch_for(
    service: Service, storage: Storage, flows: Path, chat: int | None, woken: list[str]
) -> FlowWatch:
    return FlowWatch(
        FlowReloader(service, flows, "ketamine"),
        storage,
        moderation_chat_id=chat,
        wake_sender=lambda: woken.append("woken"),
    )


def notices(storage: Storage) -> list[tuple[str, str, str]]:
    with storage.transaction(write=False) as connection:
        rows = connection.execute(select(outbox).order_by(outbox.c.id)).all()
    return [
        (str(row.chat_id), str(row.conversation_id), reply_from_json(row.payload).text)
        for row in rows
    ]


def test_a_rejected_edit_keeps_the_core_and_queues_a_notice_for_the_moderators(
    service: Service, sqlite_storage: Storage, flows: Path
) -> None:
    running = service.core
    watch = watch_for(service, sqlite_storage, flows, MOD_CHAT, [])
    break_the_flow(flows)
    result = watch.check()
    assert (result.changed, result.swapped) == (True, False)
    assert service.core is running
    [(chat, conversation, text)] = notices(sqlite_storage)
    assert (chat, conversation) == (str(MOD_CHAT), NO_CONVERSATION)  # belongs to no one
    assert text.startswith("Flow reload rejected: the bot keeps answering")
    assert "how_it_workz" in text
    assert watch.announces(result)


def test_without_a_moderators_chat_a_rejection_is_only_logged(
    service: Service, sqlite_storage: Storage, flows: Path
) -> None:
    watch = watch_for(service, sqlite_storage, flows, None, [])
    break_the_flow(flows)
    result = watch.check()
    assert not result.swapped
    assert not watch.announces(result)
    assert notices(sqlite_storage) == []


def test_a_clean_check_queues_nothing(
    service: Service, sqlite_storage: Storage, flows: Path
) -> None:
    watch = watch_for(service, sqlite_storage, flows, MOD_CHAT, [])
    assert watch.check() == ReloadResult(changed=False, swapped=False)
    assert watch.check(force=True).swapped
    assert notices(sqlite_storage) == []


@pytest.mark.parametrize(("count", "more"), [(3, False), (NOTICE_PROBLEMS + 2, True)])
def test_the_notice_lists_the_first_problems_and_points_to_the_log(count: int, more: bool) -> None:
    errors = tuple(f"flows/x.yaml:{line}:3: error: invented problem" for line in range(count))
    text = rejected_notice(ReloadResult(changed=True, swapped=False, errors=errors)).text
    assert text.count("invented problem") == min(count, NOTICE_PROBLEMS)
    assert ("… and 2 more in the bot's log." in text) is more
    assert f"Problems found ({count})" in text


async def test_hangup_reloads_at_once_and_a_rejection_wakes_the_sender(
    service: Service, sqlite_storage: Storage, flows: Path
) -> None:
    woken: list[str] = []
    reloader = FlowReloader(service, flows, "ketamine")
    forced: list[bool] = []
    poll = reloader.poll

    def recording_poll(*, force: bool = False) -> ReloadResult:
        forced.append(force)
        return poll(force=force)

    reloader.poll = recording_poll  # type: ignore[method-assign]
    watch = FlowWatch(
        reloader,
        sqlite_storage,
        moderation_chat_id=MOD_CHAT,
        wake_sender=lambda: woken.append("woken"),
        poll_seconds=3600.0,  # only the hangup can cause a second check here
    )
    stop = asyncio.Event()
    running = asyncio.create_task(watch.run(stop))
    await eventually(lambda: forced == [False])
    break_the_flow(flows)
    watch.hangup()
    await eventually(lambda: forced == [False, True])
    await eventually(lambda: woken == ["woken"])
    stop.set()
    await asyncio.wait_for(running, timeout=10)
    assert len(notices(sqlite_storage)) == 1
