"""Helpers of the PostgreSQL test database: its address, whether it answers.

Fixtures stay in the conftest beside the tests; these are imported by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

import psycopg
import pytest

from bot.storage import Storage

POSTGRES_CONNINFO = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
StorageFactory = Callable[[], Storage]


@cache
def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for tests, or ``None`` when it answers."""
    try:
        with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at 127.0.0.1:5432 (database test, user postgres) does not answer: {exc}"
    return None


def require_postgres() -> None:
    problem = postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{problem}. CI must provide PostgreSQL.")
    pytest.skip(problem)


def drop_pooled_connection(storage: Storage) -> None:
    """End the server side of the pool's connection, as a restart or a network cut would."""
    with storage.transaction(write=False) as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
