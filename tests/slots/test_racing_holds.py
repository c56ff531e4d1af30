"""PostgreSQL: the unique key decides races, and tenants cannot read each other's holds."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.slots.holds import SlotTaken, hold_slots
from shisetsu.slots.models import BOOKING, SlotHold
from shisetsu.slots.operations import resolve_slots
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.apps import PgDatabase, _dispose, make_app
from tests.support.slots import room_id

pytestmark = pytest.mark.postgres
THREADS = 20


@pytest.fixture
def race_app(pg_database: PgDatabase, tmp_path: Path) -> Iterator[Flask]:
    """A PostgreSQL app whose pool lets every racer hold a connection at once."""
    app = make_app(
        tmp_path / "instance",
        **pg_database.overrides(),
        TENANT_POOL_SIZE=THREADS + 2,  # the racers' tenant pool
        TENANT_POOL_OVERFLOW=0,
    )
    yield app
    _dispose(app)


def race(
    app: Flask, attempts: list[list[str]]
) -> tuple[list[int], list[list[str]], list[BaseException]]:
    """Run one thread per attempt; all start their INSERTs together. Winners, losers, errors."""
    barrier = threading.Barrier(len(attempts))
    winners: list[int] = []
    losers: list[list[str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(index: int, ids: list[str]) -> None:
        try:
            with tenant_session(app, "genkikan") as session:
                slots = resolve_slots(session, current_runtime().config, ids)
                barrier.wait(timeout=30)  # everyone has a transaction and a connection now
                try:
                    hold_slots(session, slots, BOOKING, index)
                    session.commit()
                    with lock:
                        winners.append(index)
                except SlotTaken as taken:
                    session.rollback()
                    with lock:
                        losers.append(taken.slot_ids)
        except BaseException as exc:  # reported below, never swallowed
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i, ids)) for i, ids in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a racer is still running (deadlock?)"
    return winners, losers, errors


def holds(app: Flask) -> list[tuple[str, int | None]]:
    with tenant_session(app, "genkikan") as session:
        rows = session.execute(sa.select(SlotHold.slot_code, SlotHold.ref_id))
        return sorted((code, ref) for code, ref in rows)


def test_twenty_racers_for_one_slot_exactly_one_wins(race_app: Flask) -> None:
    room = room_id(race_app, "genkikan", "genkikan", "multipurpose")
    slot = f"{room}-20300703-pm"
    winners, losers, errors = race(race_app, [[slot]] * THREADS)
    assert errors == []
    assert len(winners) == 1
    assert losers == [[slot]] * (THREADS - 1)
    assert holds(race_app) == [("pm", winners[0])]


def test_full_day_sets_racing_single_slots_never_leave_a_partial_set(race_app: Flask) -> None:
    room = room_id(race_app, "genkikan", "genkikan", "multipurpose")
    full, pm = f"{room}-20300704-full", f"{room}-20300704-pm"
    attempts = [[full] if i % 2 else [pm] for i in range(THREADS)]
    winners, losers, errors = race(race_app, attempts)
    assert errors == []
    assert len(winners) == 1 and len(losers) == THREADS - 1
    (winner,) = winners
    expected = ["am", "night", "pm"] if attempts[winner] == [full] else ["pm"]
    assert holds(race_app) == [(code, winner) for code in expected]
    assert all(pm in taken for taken in losers)


def test_a_regasu_session_cannot_read_genkikan_holds(pg_app: Flask) -> None:
    with tenant_session(pg_app, "regasu") as session:
        for table in ("slot_holds", "closures"):
            with pytest.raises(sa.exc.ProgrammingError) as info:
                session.execute(sa.text(f"SELECT * FROM tenant_genkikan.{table}"))
            assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)
            session.rollback()


def test_the_unique_key_holds_even_for_raw_sql(pg_app: Flask) -> None:
    room = room_id(pg_app, "genkikan", "genkikan", "multipurpose")
    insert = sa.text(
        "INSERT INTO slot_holds (room_id, date, slot_code, kind, created_at)"
        " VALUES (:room, :day, 'am', 'booking', now())"
    )
    with tenant_session(pg_app, "genkikan") as session:
        session.execute(insert, {"room": room, "day": dt.date(2030, 7, 5)})
        with pytest.raises(sa.exc.IntegrityError):
            session.execute(insert, {"room": room, "day": dt.date(2030, 7, 5)})
        session.rollback()
