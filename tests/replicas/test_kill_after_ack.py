"""A replica killed after it acknowledged an update and before deciding it: nothing is lost.

A real ``crisisbot run`` in webhook mode on a fresh PostgreSQL database. The test holds an
exclusive lock on ``conversations``, so the replica can store arriving updates in the inbox (and
answer 200) but cannot decide them: its decision waits for that lock. A crisis message and an
ordinary one are acknowledged, the replica is killed with SIGKILL, the lock is let go, and the
replica is started again: it takes back what it had claimed, decides both and sends the replies
(the crisis one queued as urgent, as a crisis reply is), each once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from bot.storage import Storage
from bot.storage.outbox import Priority
from bot.storage.tables import conversations, inbox, outbox, processed_updates
from tests.auxil.botapi_standin import BotApiStandIn
from tests.auxil.botprocess import BotProcess
from tests.auxil.postgres import require_postgres
from tests.auxil.updates import UpdateFactory
from tests.replicas.cluster import (
    fresh_database,
    prepare_replicas,
    start_replicas,
    wait_ready,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

TOKEN = "123:abc"
SECRET = "kill-after-ack-secret"
CRISIS_CHAT = 81_001
ORDINARY_CHAT = 81_002
CRISIS = "i have decided to end my life this weekend"
ORDINARY = "what is ketamine therapy"
TIMEOUT = 120.0


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[tuple[BotProcess, int, str, BotApiStandIn]]:
    require_postgres()
    with fresh_database() as url, BotApiStandIn(token=TOKEN) as standin:
        [process], [port] = prepare_replicas(
            tmp_path,
            "A",
            storage_url=url,
            bot_api_url=standin.base_url,
            token=TOKEN,
            secret=SECRET,
            moderation_chat=-100_818_181,
            moderators=(818,),
        )
        try:
            start_replicas([process], [port])
            yield process, port, url, standin
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n{process.stderr()[-3000:]}") from None
        finally:
            process.ensure_stopped()


def _waiting(storage: Storage) -> list[int]:
    with storage.transaction(write=False) as connection:
        return [int(u) for u in connection.execute(select(inbox.c.update_id)).scalars()]


def test_an_update_acknowledged_before_a_kill_is_decided_and_answered_after_a_restart(
    replica: tuple[BotProcess, int, str, BotApiStandIn],
) -> None:
    process, port, url, standin = replica
    make = UpdateFactory(first_update_id=910_000)
    crisis, ordinary = make.text(CRISIS_CHAT, CRISIS), make.text(ORDINARY_CHAT, ORDINARY)
    storage = Storage.from_url(url)
    try:
        with psycopg.connect(url) as blocker:
            blocker.execute("LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE")
            assert standin.post_to_webhook(crisis) == 200
            assert standin.post_to_webhook(ordinary) == 200
            assert sorted(_waiting(storage)) == [crisis["update_id"], ordinary["update_id"]]
            process.kill()  # acknowledged, stored, and not decided
            assert standin.sent_messages(CRISIS_CHAT) == []
            blocker.rollback()
        with storage.transaction(write=False) as connection:
            assert connection.execute(select(processed_updates)).all() == []
        process.start()  # the same replica: it takes back its own claims at once
        wait_ready(port)

        def answered() -> bool:
            return (
                not _waiting(storage)
                and storage.outbox_depth() == 0
                and bool(standin.sent_messages(CRISIS_CHAT))
                and bool(standin.sent_messages(ORDINARY_CHAT))
            )

        wait_until(answered, TIMEOUT, "both acknowledged updates decided and answered")
        assert process.stop() == 0, process.stderr()[-4000:]
        with storage.transaction(write=False) as connection:
            decided = set(connection.execute(select(processed_updates.c.update_id)).scalars())
            stored = set(connection.execute(select(conversations.c.conversation_id)).scalars())
            queued = connection.execute(
                select(outbox.c.chat_id, outbox.c.priority).order_by(outbox.c.id)
            ).all()
    finally:
        storage.close()
    crisis_texts = standin.sent_texts(CRISIS_CHAT)
    assert len(crisis_texts) == len(set(crisis_texts)), "a reply went out twice"
    assert (str(CRISIS_CHAT), Priority.HIGH) in [(chat, Priority(p)) for chat, p in queued]
    assert len(standin.sent_texts(ORDINARY_CHAT)) >= 1
    assert decided == {crisis["update_id"], ordinary["update_id"]}
    assert stored == {f"tg:{CRISIS_CHAT}", f"tg:{ORDINARY_CHAT}"}
