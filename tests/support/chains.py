"""Editing a hash-chained table behind the application's back, for the tamper tests.

The application may only append to the access logs and the deletion certificates (SQLite
triggers, PostgreSQL grants), so tampering is done as whoever owns the data: the SQLite
file opened directly with its triggers dropped, or the PostgreSQL superuser.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from psycopg.types.json import Json

from shisetsu.tenancy.engines import (
    dispose_tenant_engines,
    platform_sqlite_path,
    tenant_sqlite_path,
)
from tests.fixtures.apps import PgDatabase, _dispose

# An id far past any the tests reach, so a renumbered row collides with nothing.
FAR_ID = 10**9
# Columns a check constraint holds to a few values: tampering swaps one for another.
SWAPS = {"trigger": {"retention": "request", "request": "retention"}}


@contextmanager
def raw_sqlite(app: Flask, slug: str | None) -> Iterator[sqlite3.Connection]:
    """``slug``'s file (``None``: the platform's) opened as its owner, triggers dropped."""
    _dispose(app)
    dispose_tenant_engines(app)
    path = platform_sqlite_path(app) if slug is None else tenant_sqlite_path(app, slug)
    conn = sqlite3.connect(path)
    triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for (name,) in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def owner_of(request: pytest.FixtureRequest, app: Flask) -> PgDatabase | None:
    """The PostgreSQL database when ``app`` runs on it (to tamper as the superuser)."""
    if str(app.config["DATABASE_URL"]).startswith("postgresql"):
        database: PgDatabase = request.getfixturevalue("pg_database")
        return database
    return None


def tampered(column: str, value: Any) -> Any:
    """A different value of the same type and width as the stored ``value``."""
    if column == "id":
        return FAR_ID
    if column in SWAPS:
        return SWAPS[column][value]
    if isinstance(value, datetime | date):
        return value.replace(year=value.year + 1)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, dict):
        return {**value, "tampered": 1}
    if isinstance(value, list):
        return [*value, "tampered"]
    assert isinstance(value, str), f"{column}: give the row a value to tamper with"
    if column in {"at", "issued_at", "cutoff"}:  # SQLite keeps dates as text
        return str(int(value[:4]) + 1) + value[4:]
    if column in {"counts", "items", "subjects"}:  # SQLite keeps JSON as text
        return json.dumps(tampered(column, json.loads(value)))
    return value[:-1] + ("y" if value.endswith("x") else "x")


class RawTable:
    """One chained table of a tenant (``slug``) or of the platform (``None``), edited as
    its owner: the SQLite file (``pg`` None) or the PostgreSQL superuser."""

    def __init__(self, app: Flask, pg: PgDatabase | None, slug: str | None, table: str) -> None:
        self.app, self.pg, self.slug, self.table = app, pg, slug, table
        schema = "platform" if slug is None else f"tenant_{slug}"
        self.name = table if pg is None else f"{schema}.{table}"

    def _run(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if self.pg is None:
            with raw_sqlite(self.app, self.slug) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        with self.pg.connect_admin() as conn:
            cursor = conn.execute(sql, tuple(_adapt(p) for p in params))
            rows = cursor.fetchall() if cursor.description else []
            conn.commit()
            return rows

    def get(self, row_id: int, column: str) -> Any:
        rows = self._run(f'SELECT "{column}" FROM {self.name} WHERE id = %s', (row_id,))
        assert len(rows) == 1, f"{self.name} has no row {row_id}"
        return rows[0][0]

    def set(self, row_id: int, column: str, value: Any) -> None:
        sql = f'UPDATE {self.name} SET "{column}" = %s WHERE id = %s'
        self._run(sql, (value, row_id))

    @contextmanager
    def altered(self, row_id: int, column: str) -> Iterator[Any]:
        """Row ``row_id`` with ``column`` changed (yields the new value), then restored."""
        original = self.get(row_id, column)
        value = tampered(column, original)
        assert value != original
        self.set(row_id, column, value)
        try:
            yield value
        finally:
            self.set(value if column == "id" else row_id, column, original)


def _adapt(value: Any) -> Any:
    return Json(value) if isinstance(value, dict | list) else value
