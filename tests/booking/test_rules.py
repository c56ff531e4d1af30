"""Booking rules, table-driven: the slots' states and the tenant's check_booking plugin.

Each case runs :func:`shisetsu.booking.operations.prepare` at a fixed moment (2026-01-10
10:00 in Tokyo) against the shipped tenant configuration and compares the violation
codes. Dates cover weekdays, weekends, a national holiday and the year-end closure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask

from shisetsu.booking import operations as ops
from shisetsu.dates import add_months_clamped as add_months
from shisetsu.groups.models import Group
from shisetsu.slots.holds import SlotTaken
from shisetsu.slots.lottery import set_lottery_source
from shisetsu_booking_rules import BookingRules
from tests.fixtures.auth import make_resident
from tests.support.booking import bound, slot
from tests.support.groups import make_approved

pytestmark = pytest.mark.dates

TOKYO = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 1, 10, 10, 0, tzinfo=TOKYO)
"""Saturday 2026-01-10: the 2-month horizon reaches 2026-03-10."""


@pytest.fixture
def app(sqlite_app: Flask) -> Iterator[Flask]:
    yield sqlite_app


def group(app: Flask, tenant: str, category: str, *, until: dt.date | None = None) -> int:
    resident = make_resident(app, tenant)
    return make_approved(
        app,
        tenant,
        resident.id,
        valid_from=dt.date(2025, 4, 1),
        valid_until=until or dt.date(2027, 3, 31),
        category=category,
    )


def codes(
    app: Flask,
    tenant: str,
    group_id: int,
    ids: list[str],
    attendees: int = 10,
    purpose: str = "練習",
) -> list[str]:
    with bound(app, tenant) as (session, runtime):
        grp = session.get(Group, group_id)
        assert grp is not None
        draft = ops.prepare(
            session, runtime, grp, ops.BookingInput(ids, attendees, purpose), now=NOW
        )
        return [v.code for v in draft.violations] + (["taken"] if draft.taken else [])


def hall(app: Flask, day: dt.date, code: str = "am") -> str:
    return slot(app, "regasu", "history-museum", "auditorium", day, code)


CASES = [
    # (what, category, date, slot, attendees, purpose, expected codes). On 2026-01-10 no
    # round exists: February opened first come on 2025-12-21, March opens on 2026-01-21.
    ("February, open first come", "resident", "2026-02-27", "am", 50, "講演", []),
    ("holiday 成人の日", "resident", "2026-01-12", "pm", 50, "講演", []),
    (
        "March before its lottery",
        "resident",
        "2026-03-09",
        "am",
        50,
        "講演",
        ["first_come_not_open"],
    ),
    (
        "resident 3 months ahead",
        "resident",
        "2026-04-10",
        "am",
        50,
        "講演",
        ["beyond_horizon", "first_come_not_open"],
    ),
    (
        "non-resident 2 months",
        "nonresident",
        "2026-03-10",
        "am",
        50,
        "講演",
        ["first_come_not_open"],
    ),
    (
        "non-resident 3 months",
        "nonresident",
        "2026-04-07",
        "am",
        50,
        "講演",
        ["beyond_horizon", "first_come_not_open"],
    ),
    (
        "year-end closure",
        "resident",
        "2026-12-30",
        "am",
        50,
        "講演",
        ["slot_closed", "beyond_horizon", "first_come_not_open"],
    ),
    ("4th Monday closed", "resident", "2026-01-26", "am", 50, "講演", ["slot_closed"]),
    ("already started", "resident", "2026-01-10", "am", 50, "講演", ["slot_past"]),
    ("later today is fine", "resident", "2026-01-10", "pm", 50, "講演", []),
    ("over capacity", "resident", "2026-02-02", "am", 121, "講演", ["over_capacity"]),
    ("exactly capacity", "resident", "2026-02-02", "am", 120, "講演", []),
    ("no purpose", "resident", "2026-02-02", "am", 10, "  ", ["purpose_required"]),
    ("no attendees", "resident", "2026-02-02", "am", 0, "講演", ["attendees_required"]),
    (
        "everything at once",
        "nonresident",
        "2026-04-20",
        "full",
        500,
        "",
        ["beyond_horizon", "over_capacity", "purpose_required", "first_come_not_open"],
    ),
]


@pytest.mark.parametrize(
    ("category", "day", "code", "attendees", "purpose", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rules(
    app: Flask,
    category: str,
    day: str,
    code: str,
    attendees: int,
    purpose: str,
    expected: list[str],
) -> None:
    group_id = group(app, "regasu", category)
    ids = [hall(app, dt.date.fromisoformat(day), code)]
    assert codes(app, "regasu", group_id, ids, attendees, purpose) == expected


def test_monthly_and_unpaid_caps(app: Flask) -> None:
    group_id = group(app, "genkikan", "registered")
    days = [dt.date(2026, 2, d) for d in (2, 3, 4)]
    room = ("genkikan", "genkikan", "meeting-b")
    for day in days:
        ops_book(app, group_id, [slot(app, *room, day, "am")])
    # three unpaid bookings: the unpaid cap (3) refuses the fourth
    fourth = [slot(app, *room, dt.date(2026, 2, 5), "am")]
    assert codes(app, "genkikan", group_id, fourth) == ["unpaid_cap"]
    # a fourth booking in February is the monthly cap (4) once more are paid …
    with bound(app, "genkikan") as (session, _runtime):
        from shisetsu.booking.models import Booking

        for row in session.query(Booking).filter_by(group_id=group_id):
            row.payment_due = None  # as if free: no longer unpaid
        session.commit()
    ops_book(app, group_id, fourth)
    fifth = [slot(app, *room, dt.date(2026, 2, 6), "am")]
    assert codes(app, "genkikan", group_id, fifth) == ["monthly_cap"]
    # … and March is not capped by February: it only waits for its first come (21 January)
    march = [slot(app, *room, dt.date(2026, 3, 2), "am")]
    assert codes(app, "genkikan", group_id, march) == ["first_come_not_open"]


def ops_book(app: Flask, group_id: int, ids: list[str]) -> None:
    with bound(app, "genkikan") as (session, runtime):
        grp = session.get(Group, group_id)
        assert grp is not None
        ops.book(session, runtime, grp, ops.BookingInput(ids, 5, "会議"), now=NOW)
        session.commit()


def test_registration_must_cover_the_use_date(app: Flask) -> None:
    ending = group(app, "regasu", "resident", until=dt.date(2026, 1, 31))
    assert codes(app, "regasu", ending, [hall(app, dt.date(2026, 2, 2))]) == ["after_registration"]
    expired = group(app, "regasu", "resident", until=dt.date(2026, 1, 9))
    assert codes(app, "regasu", expired, [hall(app, dt.date(2026, 1, 13))]) == [
        "group_not_active",
        "after_registration",
    ]


def test_lottery_slots_cannot_be_booked_first_come(app: Flask) -> None:
    group_id = group(app, "regasu", "resident")
    target = hall(app, dt.date(2026, 2, 23), "am")
    set_lottery_source(app, lambda session, config, rooms, start, end: {target})
    try:
        assert codes(app, "regasu", group_id, [target]) == ["slot_in_lottery"]
    finally:
        set_lottery_source(app, None)


def test_malformed_requests(app: Flask) -> None:
    group_id = group(app, "regasu", "resident")
    a = hall(app, dt.date(2026, 2, 2))
    b = hall(app, dt.date(2026, 2, 3))
    other_room = slot(app, "regasu", "history-museum", "study-room", dt.date(2026, 2, 2), "am")
    for ids, code in (
        ([], "no_slots"),
        (["nonsense"], "unknown_slot"),
        (["999999-20260202-am"], "unknown_slot"),
        ([a, b], "one_room_one_day"),
        ([a, other_room], "one_room_one_day"),
    ):
        with pytest.raises(ops.BookingRefused) as refused:
            codes(app, "regasu", group_id, ids)
        assert [v.code for v in refused.value.violations] == [code]


def test_taken_wins_over_rules(app: Flask) -> None:
    first, second = group(app, "regasu", "resident"), group(app, "regasu", "nonresident")
    target = hall(app, dt.date(2026, 2, 2), "pm")
    with bound(app, "regasu") as (session, runtime):
        grp = session.get(Group, first)
        assert grp is not None
        ops.book(session, runtime, grp, ops.BookingInput([target], 5, "x"), now=NOW)
        session.commit()
    with bound(app, "regasu") as (session, runtime):
        grp = session.get(Group, second)
        assert grp is not None
        with pytest.raises(SlotTaken) as taken:
            ops.book(session, runtime, grp, ops.BookingInput([target], 500, ""), now=NOW)
        assert taken.value.slot_ids == [target]


def test_every_violation_speaks_both_languages() -> None:
    from shisetsu.plugins.booking import BookingRequest, GroupBookingFacts, RoomFacts

    rules = BookingRules(BookingRules.Params(monthly_cap=1, unpaid_cap=1))
    request = BookingRequest(
        date=dt.date(2026, 9, 1),
        slots=(),
        attendees=999,
        purpose="",
        today=dt.date(2026, 1, 10),
        now=NOW,
        holiday_rates=False,
    )
    room = RoomFacts(1, "f", "r", "standard", 10)
    facts = GroupBookingFacts(1, "resident", True, dt.date(2026, 6, 30), 1, 1)
    found = rules.check_booking(request, room, facts)
    assert {v.code for v in found} == {
        "beyond_horizon",
        "after_registration",
        "monthly_cap",
        "unpaid_cap",
        "over_capacity",
        "purpose_required",
    }
    assert all(v.ja and v.en and v.ja != v.en for v in found)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2027-12-15", 2, "2028-02-15"),
        ("2026-03-31", -1, "2026-02-28"),
    ],
)
def test_add_months_clamps(day: str, months: int, expected: str) -> None:
    assert add_months(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)
