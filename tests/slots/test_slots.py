"""Slots: ids, generation by day type, closed days, states, and holding (both databases)."""

from __future__ import annotations

import datetime as dt

import jpholiday
import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.facilities.models import Room
from shisetsu.slots.calendar import is_holiday_rates
from shisetsu.slots.holds import SlotTaken, hold_slots, holds_between, release_slots
from shisetsu.slots.ids import InvalidSlotId, SlotRef, format_slot_id, parse_slot_id
from shisetsu.slots.lottery import set_lottery_source
from shisetsu.slots.models import BOOKING, LOTTERY_WIN, OFFICIAL, Closure, SlotHold
from shisetsu.slots.operations import (
    UnknownSlot,
    availability,
    combined_state,
    load_rooms,
    resolve_slots,
    slot_states,
    slots_on,
)
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.config import validate_tenant_data
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import make_staff
from tests.support.slots import LONG_AGO, TOKYO, room_id

pytestmark = pytest.mark.dates


@pytest.fixture
def slots_app(any_app: Flask) -> Flask:
    return any_app


# --- ids ---------------------------------------------------------------------------


def test_slot_id_round_trip() -> None:
    ref = parse_slot_id("12-20260201-am")
    assert ref == SlotRef(12, dt.date(2026, 2, 1), "am")
    assert ref.id == format_slot_id(12, dt.date(2026, 2, 1), "am") == "12-20260201-am"
    assert parse_slot_id("3-20261231-h-09").code == "h-09"  # codes may contain "-"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "am",
        "0-20260201-am",
        "012-20260201-am",
        "12-2026021-am",
        "12-20260230-am",
        "12-20261301-am",
        "12-20260201-AM",
        "12-20260201-",
        "12-20260201-am pm",
        "99999999999-20260201-am",
        "2147483648-20260201-am",
        "12-20260201-" + "a" * 41,
    ],
)
def test_malformed_slot_ids_are_rejected(text: str) -> None:
    with pytest.raises(InvalidSlotId):
        parse_slot_id(text)


# --- generation by day type (a scheme with its own weekend/holiday list) -------------

SCHEME_TENANT = {
    "slug": "synthetic",
    "name": {"ja": "合成", "en": "Synthetic"},
    "operator": {"ja": "合成", "en": "Synthetic"},
    "group_categories": [{"code": "g", "name": {"ja": "団体", "en": "Group"}, "resident": True}],
    "slot_schemes": {
        "split": {
            "weekday": [
                {
                    "code": "am",
                    "name": {"ja": "午前", "en": "Morning"},
                    "start": "09:00",
                    "end": "12:00",
                },
                {
                    "code": "pm",
                    "name": {"ja": "午後", "en": "Afternoon"},
                    "start": "13:00",
                    "end": "17:00",
                },
                {
                    "code": "night",
                    "name": {"ja": "夜間", "en": "Evening"},
                    "start": "18:00",
                    "end": "21:00",
                },
            ],
            "holiday": [
                {
                    "code": "am",
                    "name": {"ja": "午前", "en": "Morning"},
                    "start": "08:30",
                    "end": "12:30",
                },
                {
                    "code": "pm",
                    "name": {"ja": "午後", "en": "Afternoon"},
                    "start": "13:00",
                    "end": "17:00",
                },
            ],
            "full_day": [
                {"code": "full", "name": {"ja": "全日", "en": "Full day"}, "slots": ["am", "pm"]}
            ],
        }
    },
    "facilities": [
        {
            "code": "hall",
            "name": {"ja": "ホール", "en": "Hall"},
            "kind": "culture",
            "rooms": [
                {
                    "code": "main",
                    "name": {"ja": "大", "en": "Main"},
                    "capacity": 9,
                    "slot_scheme": "split",
                }
            ],
        }
    ],
}


def test_weekday_saturday_and_national_holiday_use_their_slot_lists() -> None:
    config = validate_tenant_data(SCHEME_TENANT)
    room = Room(id=7, slot_scheme="split")
    wednesday, saturday = dt.date(2030, 1, 16), dt.date(2030, 1, 19)
    holiday = dt.date(2030, 1, 14)  # 成人の日, a Monday
    assert jpholiday.is_holiday(holiday) and holiday.weekday() == 0

    weekday_slots = slots_on(config, room, wednesday)
    assert [s.code for s in weekday_slots] == ["am", "pm", "night"]
    assert weekday_slots[0].start.isoformat() == "2030-01-16T09:00:00+09:00"
    assert weekday_slots[0].id == "7-20300116-am"
    for day in (saturday, holiday):
        assert [s.code for s in slots_on(config, room, day)] == ["am", "pm"]
        assert slots_on(config, room, day)[0].start.time() == dt.time(8, 30)
    assert not is_holiday_rates(wednesday) and is_holiday_rates(saturday)


def test_combined_state_of_a_full_day_set() -> None:
    assert combined_state(["free", "free"]) == "free"
    assert combined_state(["free", "lottery"]) == "lottery"
    assert combined_state(["free", "taken", "hold"]) == "hold"
    assert combined_state(["taken", "closed"]) == "closed"


# --- states over the shipped tenants -------------------------------------------------


def states_of(app: Flask, tenant: str, room: int, start: dt.date, end: dt.date, **kw):  # type: ignore[no-untyped-def]
    with tenant_session(app, tenant) as session:
        rooms = load_rooms(session, room_ids=[room])
        config = current_runtime().config
        # These tests are about holds, closures and the lottery, not first-come openings
        # (tests/booking/test_first_come_opening.py): every day counts as open.
        kw.setdefault("opening", lambda day: None)
        result = availability(session, config, rooms, start, end, now=kw.pop("now", LONG_AGO), **kw)
        return {(s.slot.date, s.slot.code): s.state for s in result}


def fourth_monday_on_a_holiday() -> dt.date:
    """A month whose 4th Monday is a national holiday (the rule then closes Tuesday)."""
    for year in range(2027, 2060):
        for month in range(1, 13):
            first = dt.date(year, month, 1)
            monday = first + dt.timedelta(days=(0 - first.weekday()) % 7 + 21)
            if jpholiday.is_holiday(monday):
                return monday
    raise AssertionError("no such month")


def test_closed_days_by_rule(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "meeting-a")
    states = states_of(slots_app, "genkikan", room, dt.date(2030, 12, 20), dt.date(2031, 1, 31))
    day = lambda d: {states[(d, c)] for c in ("am", "pm", "night")}  # noqa: E731
    assert day(dt.date(2030, 12, 27)) == {"free"}  # a Friday
    assert day(dt.date(2030, 12, 28)) == {"free"}  # a Saturday, open
    for closed in (
        dt.date(2030, 12, 29),
        dt.date(2030, 12, 31),
        dt.date(2031, 1, 1),
        dt.date(2031, 1, 3),
    ):
        assert day(closed) == {"closed"}, closed  # New Year break 12/29–1/3
    assert day(dt.date(2031, 1, 4)) == {"free"}
    assert day(dt.date(2031, 1, 13)) == {"free"}  # 成人の日 (2nd Monday): open
    assert day(dt.date(2031, 1, 27)) == {"closed"}  # 4th Monday
    assert day(dt.date(2031, 1, 28)) == {"free"}

    holiday_monday = fourth_monday_on_a_holiday()
    states = states_of(
        slots_app, "genkikan", room, holiday_monday, holiday_monday + dt.timedelta(1)
    )
    assert states[(holiday_monday, "am")] == "free"  # the holiday itself stays open
    assert states[(holiday_monday + dt.timedelta(1), "am")] == "closed"  # closed the day after


def test_ad_hoc_closures_of_a_room_and_of_a_facility(slots_app: Flask) -> None:
    a = room_id(slots_app, "genkikan", "genkikan", "meeting-a")
    b = room_id(slots_app, "genkikan", "genkikan", "meeting-b")
    with tenant_session(slots_app, "genkikan") as session:
        facility_id = session.get(Room, a).facility_id  # type: ignore[union-attr]
        session.add_all(
            [
                Closure(
                    facility_id=facility_id,
                    room_id=a,
                    start_date=dt.date(2030, 6, 4),
                    end_date=dt.date(2030, 6, 5),
                    reason_ja="床の張替え",
                ),
                Closure(
                    facility_id=facility_id,
                    room_id=None,
                    start_date=dt.date(2030, 6, 7),
                    end_date=dt.date(2030, 6, 7),
                    reason_ja="設備点検",
                    reason_en="Inspection",
                ),
            ]
        )
        session.commit()
    start, end = dt.date(2030, 6, 3), dt.date(2030, 6, 7)
    in_a, in_b = (
        states_of(slots_app, "genkikan", a, start, end),
        states_of(slots_app, "genkikan", b, start, end),
    )
    assert in_a[(dt.date(2030, 6, 3), "am")] == "free"
    assert in_a[(dt.date(2030, 6, 4), "am")] == in_a[(dt.date(2030, 6, 5), "night")] == "closed"
    assert in_b[(dt.date(2030, 6, 4), "am")] == "free"  # only room A was closed
    assert in_a[(dt.date(2030, 6, 7), "pm")] == in_b[(dt.date(2030, 6, 7), "pm")] == "closed"


def test_taken_hold_lottery_and_past_states(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "kitchen")
    day = dt.date(2030, 6, 12)
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [f"{room}-20300612-am"], BOOKING, 41)
        hold_slots(session, [SlotRef(room, day, "pm")], OFFICIAL, note="区の行事")
        session.commit()
    lottery = lambda *_: {f"{room}-20300612-night", f"{room}-20300612-am"}  # noqa: E731
    states = states_of(slots_app, "genkikan", room, day, day, lottery=lottery)
    assert states == {(day, "am"): "taken", (day, "pm"): "hold", (day, "night"): "lottery"}
    # Once a slot has started it is not bookable: "closed".
    noon = dt.datetime(2030, 6, 12, 13, 0, tzinfo=TOKYO)
    states = states_of(slots_app, "genkikan", room, day, day, now=noon)
    assert states == {(day, "am"): "closed", (day, "pm"): "closed", (day, "night"): "free"}


def test_the_lottery_source_is_installed_per_app(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "kitchen")
    day = dt.date(2030, 6, 13)
    set_lottery_source(
        slots_app, lambda session, config, rooms, start, end: {f"{room}-20300613-pm"}
    )
    try:
        states = states_of(slots_app, "genkikan", room, day, day)
    finally:
        set_lottery_source(slots_app, None)
    assert states[(day, "pm")] == "lottery" and states[(day, "am")] == "free"
    assert states_of(slots_app, "genkikan", room, day, day)[(day, "pm")] == "free"


# --- holding ------------------------------------------------------------------------


def held(app: Flask, tenant: str = "genkikan") -> list[tuple[int, dt.date, str, str]]:
    with tenant_session(app, tenant) as session:
        rows = session.execute(
            sa.select(SlotHold.room_id, SlotHold.date, SlotHold.slot_code, SlotHold.kind)
        )
        return sorted(tuple(r) for r in rows)  # type: ignore[misc]


def test_a_full_day_set_is_all_or_nothing(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [f"{room}-20300614-pm"], BOOKING, 1)
        session.commit()
    with tenant_session(slots_app, "genkikan") as session:
        full = resolve_slots(session, current_runtime().config, [f"{room}-20300614-full"])
        assert [s.code for s in full] == ["am", "pm", "night"]
        with pytest.raises(SlotTaken) as taken:
            hold_slots(session, full, BOOKING, 2)
        assert taken.value.slot_ids == [f"{room}-20300614-pm"]
        # The caller's transaction is still usable, and nothing of the set stayed.
        hold_slots(session, [f"{room}-20300615-am"], BOOKING, 2)
        session.commit()
    assert held(slots_app) == [
        (room, dt.date(2030, 6, 14), "pm", "booking"),
        (room, dt.date(2030, 6, 15), "am", "booking"),
    ]


def test_holds_roll_back_with_the_callers_transaction(slots_app: Flask) -> None:
    # SQLite would commit a SAVEPOINT that opened the transaction; hold_slots prevents it.
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    with tenant_session(slots_app, "genkikan") as session:
        session.scalar(sa.select(Room.id).limit(1))  # a read first, as a booking view does
        hold_slots(session, [f"{room}-20300617-am", f"{room}-20300617-pm"], BOOKING, 5)
        session.rollback()
    assert held(slots_app) == []


def test_release_slots_frees_only_that_reference(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [f"{room}-20300618-am", f"{room}-20300618-pm"], BOOKING, 7)
        hold_slots(session, [f"{room}-20300618-night"], BOOKING, 8)
        session.commit()
        assert release_slots(session, BOOKING, 7) == 2
        session.commit()
    assert held(slots_app) == [(room, dt.date(2030, 6, 18), "night", "booking")]


def test_release_slots_frees_only_that_kind(slots_app: Flask) -> None:
    # Booking 7 and lottery win 7 are different records that share a number.
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [f"{room}-20300620-am"], BOOKING, 7)
        hold_slots(session, [f"{room}-20300620-pm"], LOTTERY_WIN, 7)
        session.commit()
        assert release_slots(session, BOOKING, 7) == 1
        assert release_slots(session, BOOKING, 7) == 0  # nothing left to release
        session.commit()
    assert held(slots_app) == [(room, dt.date(2030, 6, 20), "pm", "lottery_win")]


def test_a_hold_keeps_its_note_and_who_made_it(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    staff = make_staff(slots_app, "genkikan", "responsible")
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [f"{room}-20300621-am"], OFFICIAL, note="区の行事", staff_id=staff.id)
        session.commit()
    with tenant_session(slots_app, "genkikan") as session:
        row = session.scalars(sa.select(SlotHold)).one()
        assert (row.kind, row.ref_id, row.note, row.created_by_staff_id) == (
            OFFICIAL,
            None,
            "区の行事",
            staff.id,
        )


def test_a_taken_slot_is_refused_before_anything_is_written(slots_app: Flask) -> None:
    # Under an opening rush most attempts lose: they are answered by one SELECT, not by
    # an INSERT the unique key rejects (which costs a savepoint and logs a server error).
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    mine, theirs = f"{room}-20300622-am", f"{room}-20300622-pm"
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [mine, theirs], BOOKING, 1)
        session.commit()
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with tenant_session(slots_app, "genkikan") as session:
        engine = session.get_bind()
        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            with pytest.raises(SlotTaken) as taken:
                hold_slots(session, [theirs, mine], BOOKING, 2)
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
    assert taken.value.slot_ids == [mine, theirs]
    assert str(taken.value) == f"slot(s) already taken: {mine}, {theirs}"
    assert [s for s in statements if "INSERT" in s.upper() or "SAVEPOINT" in s.upper()] == []


def test_holds_between_one_room_inclusive_in_date_order(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    other = room_id(slots_app, "genkikan", "genkikan", "kitchen")
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [f"{room}-20300703-am", f"{room}-20300701-night"], OFFICIAL)
        hold_slots(session, [f"{room}-20300701-pm"], BOOKING, 3)
        hold_slots(session, [f"{room}-20300630-am", f"{room}-20300704-am"], BOOKING, 4)
        hold_slots(session, [f"{other}-20300702-am"], OFFICIAL)
        session.commit()
        start, end = dt.date(2030, 7, 1), dt.date(2030, 7, 3)
        every = holds_between(session, room, start, end)
        official = holds_between(session, room, start, end, OFFICIAL)
        # By date first: the 3rd's morning comes after the 1st's afternoon and night.
        assert [(h.date.day, h.slot_code, h.kind) for h in every] == [
            (1, "night", OFFICIAL),
            (1, "pm", BOOKING),
            (3, "am", OFFICIAL),
        ]
        assert [(h.date.day, h.slot_code) for h in official] == [(1, "night"), (3, "am")]


def test_hold_slots_refuses_nonsense(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    with tenant_session(slots_app, "genkikan") as session:
        with pytest.raises(ValueError, match=r"^a slot is listed twice$"):
            hold_slots(session, [f"{room}-20300619-am", f"{room}-20300619-am"], BOOKING, 1)
        with pytest.raises(ValueError, match=r"^no slots to hold$"):
            hold_slots(session, [], BOOKING, 1)
        with pytest.raises(ValueError, match="kind"):
            hold_slots(session, [f"{room}-20300619-am"], "whatever", 1)
        with pytest.raises(InvalidSlotId):
            hold_slots(session, ["nonsense"], BOOKING, 1)


def test_resolve_slots(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    with tenant_session(slots_app, "genkikan") as session:
        config = current_runtime().config
        slots = resolve_slots(session, config, [f"{room}-20300620-pm", f"{room}-20300620-full"])
        assert [s.id for s in slots] == [f"{room}-20300620-{c}" for c in ("am", "pm", "night")]
        assert slots[1].end.isoformat() == "2030-06-20T17:00:00+09:00"
        for unknown in (f"{room}-20300620-h09", "999-20300620-am", f"{room}-18991231-am"):
            with pytest.raises(UnknownSlot):
                resolve_slots(session, config, [unknown])
        with pytest.raises(InvalidSlotId):
            resolve_slots(session, config, ["20300620"])
        states = slot_states(session, config, slots, now=LONG_AGO, opening=lambda day: None)
        assert {s.state for s in states.values()} == {"free"}
