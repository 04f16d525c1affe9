"""Statements through the driver: both placeholder styles, values back, SQLAlchemy's errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.exc import IntegrityError

from bot.storage import Storage
from bot.storage.driver import ListSql, Sql, compact_json


def test_named_parameters_become_psycopg_placeholders_and_casts_stay() -> None:
    statement = Sql("SELECT :text::text, :n WHERE 'a:b' = 'a:b'")
    assert statement.pyformat == "SELECT %(text)s::text, %(n)s WHERE 'a:b' = 'a:b'"
    assert statement.named == "SELECT :text::text, :n WHERE 'a:b' = 'a:b'"


def test_a_percent_sign_is_refused_when_written() -> None:
    with pytest.raises(ValueError, match="psycopg"):
        Sql("SELECT 'ten %'")


def test_values_round_trip_and_errors_are_sqlalchemys(storage: Storage) -> None:
    insert = Sql(
        "INSERT INTO processed_updates (update_id, processed_at) VALUES (:update_id, :at) "
        "RETURNING update_id"
    )
    with storage.transaction() as connection:
        assert insert.one_value(connection, {"update_id": 2**40, "at": 1.5}) == 2**40
    with pytest.raises(IntegrityError), storage.transaction() as connection:
        insert.one_value(connection, {"update_id": 2**40, "at": 2.5})
    count = Sql("SELECT count(*) FROM processed_updates WHERE processed_at = :at")
    with storage.transaction(write=False) as connection:
        assert count.one_value(connection, {"at": 1.5}) == 1


def test_many_rows_and_lists_of_values(storage: Storage) -> None:
    insert = Sql("INSERT INTO processed_updates (update_id, processed_at) VALUES (:update_id, :at)")
    with storage.transaction() as connection:
        insert.execute_many(connection, [{"update_id": n, "at": float(n)} for n in (1, 2, 3)])
    with pytest.raises(IntegrityError), storage.transaction() as connection:
        insert.execute_many(connection, [{"update_id": 4, "at": 0.0}, {"update_id": 1, "at": 0.0}])
    found = ListSql(
        sqlite="SELECT update_id FROM processed_updates "
        "WHERE update_id IN (SELECT value FROM json_each(:values)) ORDER BY update_id",
        postgresql="SELECT update_id FROM processed_updates "
        "WHERE update_id = ANY(CAST(:values AS bigint[])) ORDER BY update_id",
    )
    with storage.transaction(write=False) as connection:
        values = {"values": ListSql.bind(connection, [3, 4, 1])}
        assert found.on(connection).all(connection, values) == [(1,), (3,)]


@pytest.mark.parametrize(
    "value",
    [
        {"text": "Línea de crisis ☎ 024", "buttons": [["Sí", "ci:yes"]]},
        {"turns": 3, "updated_at": 1700000000.25, "crisis": None, "signals": ()},
        ["a\u2028b", 'quote " and \\ backslash', "\ud83d\ude00"],
    ],
)
def test_compact_json_writes_what_json_dumps_writes_with_the_same_options(value: object) -> None:
    assert compact_json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
