"""PostgreSQL: 50 groups race for one slot through the booking operation; one wins.

Each racer has its own thread, connection and tenant-bound session, prepares its booking
(every one sees the slot free) and then meets the others at a barrier before holding the
slot, so the INSERTs really collide: the unique key on ``slot_holds`` lets exactly one
through and the 49 others get SlotTaken. A full-day set racing single slots is won or
lost whole. And a session bound to one tenant cannot read another's bookings.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.booking import operations as ops
from shisetsu.booking.models import Booking
from shisetsu.groups.models import Group
from shisetsu.slots import holds as holds_module
from shisetsu.slots.holds import SlotTaken
from shisetsu.slots.models import BOOKING, SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.apps import PgDatabase, _dispose, make_app
from tests.support.booking import (
    make_groups,
    open_day,
    slot,
)

pytestmark = pytest.mark.postgres
RACERS = 50


@pytest.fixture
def race_app(pg_database: PgDatabase, tmp_path: Path) -> Iterator[Flask]:
    """A PostgreSQL app whose pool gives every racer its own connection at once."""
    app = make_app(
        tmp_path / "instance",
        **pg_database.overrides(),
        TENANT_POOL_SIZE=RACERS + 2,  # the racers' tenant pool
        TENANT_POOL_OVERFLOW=0,
    )
    yield app
    _dispose(app)


def race(
    app: Flask, monkeypatch: pytest.MonkeyPatch, attempts: list[tuple[int, list[str]]]
) -> tuple[list[int], list[list[str]], list[BaseException]]:
    """Book ``(group, slots)`` from one thread each; everyone inserts at the same moment."""
    barrier = threading.Barrier(len(attempts))
    real_hold = holds_module.hold_slots

    def hold_after_barrier(*args, **kwargs):  # type: ignore[no-untyped-def]
        barrier.wait(timeout=60)  # every racer has checked the slot and found it free
        return real_hold(*args, **kwargs)

    monkeypatch.setattr(ops, "hold_slots", hold_after_barrier)
    winners: list[int] = []
    losers: list[list[str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    now = dt.datetime.now(dt.UTC)

    def attempt(group_id: int, ids: list[str]) -> None:
        try:
            with tenant_session(app, "genkikan") as session:
                group = session.get(Group, group_id)
                assert group is not None
                data = ops.BookingInput(ids, 5, "レース")
                try:
                    booking = ops.book(
                        session, current_runtime(), group, data, now=now, account_id=None
                    )
                    session.commit()
                    with lock:
                        winners.append(booking.id)
                except SlotTaken as taken:
                    session.rollback()
                    with lock:
                        losers.append(taken.slot_ids)
        except BaseException as exc:  # reported by the test, never swallowed
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a racer is still running (deadlock?)"
    return winners, losers, errors


def booking_holds(app: Flask) -> list[tuple[str, int | None]]:
    with tenant_session(app, "genkikan") as session:
        rows = session.execute(
            sa.select(SlotHold.slot_code, SlotHold.ref_id).where(SlotHold.kind == BOOKING)
        )
        return sorted((code, ref) for code, ref in rows)


def bookings(app: Flask) -> list[tuple[int, list[str]]]:
    with tenant_session(app, "genkikan") as session:
        query = sa.select(Booking)
        return [(b.id, b.slot_codes) for b in session.scalars(query)]


def test_fifty_racers_for_one_slot_exactly_one_wins(
    race_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = open_day(race_app, "genkikan", "genkikan", after=25)
    target = slot(race_app, "genkikan", "genkikan", "multipurpose", day, "pm")
    groups = make_groups(race_app, "genkikan", RACERS)
    winners, losers, errors = race(race_app, monkeypatch, [(g, [target]) for g in groups])
    assert errors == []
    assert len(winners) == 1
    assert losers == [[target]] * (RACERS - 1)
    assert bookings(race_app) == [(winners[0], ["pm"])]
    assert booking_holds(race_app) == [("pm", winners[0])]


def test_full_day_sets_racing_single_slots_are_never_partial(
    race_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = open_day(race_app, "genkikan", "genkikan", after=26)
    full = slot(race_app, "genkikan", "genkikan", "multipurpose", day, "full")
    pm = slot(race_app, "genkikan", "genkikan", "multipurpose", day, "pm")
    groups = make_groups(race_app, "genkikan", 20)
    attempts = [(g, [full] if i % 2 else [pm]) for i, g in enumerate(groups)]
    winners, losers, errors = race(race_app, monkeypatch, attempts)
    assert errors == []
    assert len(winners) == 1 and len(losers) == 19
    (winner,) = winners
    ((booking_id, codes),) = bookings(race_app)
    assert booking_id == winner
    assert booking_holds(race_app) == [(code, winner) for code in sorted(codes)]
    assert sorted(codes) in (["am", "night", "pm"], ["pm"])
    assert all(pm in taken for taken in losers)


def test_a_regasu_session_cannot_read_genkikan_bookings(pg_app: Flask) -> None:
    with tenant_session(pg_app, "regasu") as session:
        for table in ("bookings", "group_feeds"):
            with pytest.raises(sa.exc.ProgrammingError) as info:
                session.execute(sa.text(f"SELECT * FROM tenant_genkikan.{table}"))
            assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)
            session.rollback()
