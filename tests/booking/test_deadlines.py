"""Deadlines on open days, table-driven over a whole year, on both tenants' calendars.

Every use date of 2027 (with the 2026/27 year end and the 2028 leap day), booked early and
booked late, gets a payment deadline on the last open day before the tenant's rule would
put it; every cancellation day in the last ten days before a use date gets the refund its
shifted tier deadlines give; every lottery round's confirmation deadline ends on an open
day. Each calendar is the shipped one and a variant closed on national holidays too.
"""

from __future__ import annotations

import datetime as dt

import jpholiday
import pytest

from shisetsu.booking import policy
from shisetsu.lottery import rounds
from shisetsu.plugins.booking import (
    BookingRequest,
    FeeBreakdown,
    FeeItem,
    GroupBookingFacts,
    RoomFacts,
)
from shisetsu.slots import deadlines
from shisetsu.tenancy.config import TenantConfig
from tests.support.deadlines import (
    CALENDARS,
    TENANTS,
    YEAR,
    calendar,
    every_day,
    oracle_closed,
    oracle_last_open,
    plugins_of,
    shipped,
)

pytestmark = pytest.mark.dates

TOKYO = dt.timezone(dt.timedelta(hours=9))
FEE = FeeBreakdown(items=(FeeItem("am", "午前", "Morning", 1000),))
GROUP = GroupBookingFacts(1, "registered", True, None)


def first_room(config: TenantConfig) -> RoomFacts:
    facility = config.facilities[0]
    room = facility.rooms[0]
    return RoomFacts(1, facility.code, room.code, room.slot_scheme, room.capacity)


def request(day: dt.date, today: dt.date) -> BookingRequest:
    now = dt.datetime.combine(today, dt.time(10), TOKYO)
    return BookingRequest(day, (), 10, "練習", today, now, day.weekday() >= 5)


def test_the_oracle_reads_the_shipped_rules() -> None:
    """The oracle knows the kinds of rule both tenants use, and no facility overrides them."""
    for slug in TENANTS:
        config = shipped(slug)
        assert all(f.closed_days is None for f in config.facilities)
        rules = config.closed_days
        assert [(r.start, r.end) for r in rules.date_ranges] == [("12-29", "01-03")]
        assert [(r.n, r.weekday, r.next_day_if_holiday) for r in rules.nth_weekdays] == [
            (4, "mon", True)
        ]
        for day in YEAR:
            assert deadlines.is_open_day(config, day) == (not oracle_closed(rules, day)), day


@pytest.mark.parametrize(("slug", "variant"), CALENDARS)
@pytest.mark.parametrize("lead", [30, 8, 4, 1, 0], ids=lambda n: f"booked-{n}-days-before")
def test_payment_deadlines_fall_on_the_last_open_day(slug: str, variant: str, lead: int) -> None:
    config, pm = calendar(slug, variant), plugins_of(slug)
    room = first_room(config)
    rules = config.closed_days
    moved = 0
    for day in YEAR:
        if oracle_closed(rules, day):
            continue  # nothing is booked on a closed day
        today = day - dt.timedelta(days=lead)
        raw = pm.hook.payment_terms(request=request(day, today), room=room, group=GROUP, fee=FEE)
        terms = policy.payment_terms(pm, config, request(day, today), room, GROUP, FEE)
        assert terms.due is not None and raw.due is not None
        assert not oracle_closed(rules, terms.due), (day, terms.due)
        assert not (terms.due.month == 12 and terms.due.day >= 29), day
        assert not (terms.due.month == 1 and terms.due.day <= 3), day
        if variant == "holidays_closed":
            assert not jpholiday.is_holiday(terms.due), (day, terms.due)
        expected = oracle_last_open(rules, raw.due)
        if expected < today:  # the rule's day is closed and the open one before has gone
            expected = next(d for d in every_day(today, day) if not oracle_closed(rules, d))
        assert terms.due == expected, (day, today, raw.due)
        assert today <= terms.due <= day
        # the reminder keeps its lead time before the deadline
        assert raw.remind_from is not None and terms.remind_from is not None
        assert terms.due - terms.remind_from == raw.due - raw.remind_from
        moved += terms.due != raw.due
    # Booked a day ahead or on the day, the fee is due on the (open) use date itself.
    assert moved > 0 if lead > 3 else moved == 0


@pytest.mark.parametrize(("slug", "variant"), CALENDARS)
def test_payment_is_due_at_the_counters_closing_time(slug: str, variant: str) -> None:
    config = calendar(slug, variant)
    for day in YEAR:
        last = deadlines.payment_deadline(config, day)
        assert last is not None
        assert last.astimezone(TOKYO).replace(tzinfo=None) == dt.datetime.combine(
            day, dt.time(17, 0)
        )
        assert not deadlines.passed(last, last)
        assert deadlines.passed(last, last + dt.timedelta(microseconds=1))


def refund_oracle(config: TenantConfig, use: dt.date, cancelled: dt.date) -> int:
    """The shipped schedule (7+ days 100 %, 2+ days 50 %) with each tier's day shifted."""
    percent = 0
    for days_before, tier_percent in ((7, 100), (2, 50)):
        last = oracle_last_open(config.closed_days, use - dt.timedelta(days=days_before))
        if cancelled <= last:
            percent = max(percent, tier_percent)
    return percent


@pytest.mark.parametrize(("slug", "variant"), CALENDARS)
def test_refund_tiers_end_on_open_days(slug: str, variant: str) -> None:
    config, pm = calendar(slug, variant), plugins_of(slug)
    facility = config.facilities[0].code
    shifted = 0
    for use in YEAR:
        booking = _Booking(use)
        for before in range(11):
            cancelled = use - dt.timedelta(days=before)
            for hour in (0, 12, 23):
                when = dt.datetime.combine(cancelled, dt.time(hour, 30), TOKYO)
                rule = policy.refund_rule(pm, config, booking, when, facility)  # type: ignore[arg-type]
                assert rule.percent == refund_oracle(config, use, cancelled), (use, when)
            plain = pm.hook.refund_ratio(
                booking=policy.refund_facts(booking, TOKYO),  # type: ignore[arg-type]
                when=dt.datetime.combine(cancelled, dt.time(12), TOKYO),
            )
            shifted += plain.percent != refund_oracle(config, use, cancelled)
    assert shifted > 0


class _Booking:
    """The fields the refund schedule reads of a paid booking."""

    def __init__(self, day: dt.date) -> None:
        self.date = day
        self.starts_at = dt.datetime.combine(day, dt.time(9), TOKYO)
        self.fee_total = 3000
        self.status = "paid"


class _Runtime:
    def __init__(self, config: TenantConfig, slug: str) -> None:
        self.config = config
        self.plugins = plugins_of(slug)


ROUND_MONTHS = sorted({day.replace(day=1) for day in YEAR})


@pytest.mark.parametrize(("slug", "variant"), CALENDARS)
def test_confirmation_deadlines_end_on_open_days(slug: str, variant: str) -> None:
    config = calendar(slug, variant)
    runtime = _Runtime(config, slug)
    for month in ROUND_MONTHS:
        raw = runtime.plugins.hook.lottery_calendar(month=month)
        schedule = rounds.schedule_for(runtime, month)  # type: ignore[arg-type]
        assert schedule is not None
        end = schedule.confirm_deadline.astimezone(TOKYO)
        assert end.time() == dt.time(0, 0)  # an exclusive end: midnight after the last day
        last_day = (end - dt.timedelta(days=1)).date()
        raw_last = (raw.confirm_deadline.astimezone(TOKYO) - dt.timedelta(days=1)).date()
        assert last_day == oracle_last_open(config.closed_days, raw_last), month
        assert schedule.draw_at < schedule.confirm_deadline <= raw.confirm_deadline


@pytest.mark.parametrize(("slug", "variant"), CALENDARS)
def test_every_day_end_moves_onto_the_last_open_day(slug: str, variant: str) -> None:
    """A "by the end of this day" deadline for each day of the year, month ends included."""
    config = calendar(slug, variant)
    for day in YEAR:
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), TOKYO)
        moved = deadlines.shifted_day_end(config, end).astimezone(TOKYO)
        assert moved.date() - dt.timedelta(days=1) == oracle_last_open(config.closed_days, day)
        assert moved.time() == dt.time(0, 0)


def test_the_holiday_variant_moves_a_confirmation_off_a_holiday() -> None:
    """Respect for the Aged Day 2027 is 20 September, the shipped confirmation day: the
    deadline becomes the end of Sunday the 19th (the exclusive end is the 20th, 0:00)."""
    assert jpholiday.is_holiday(dt.date(2027, 9, 20))
    runtime = _Runtime(calendar("genkikan", "holidays_closed"), "genkikan")
    schedule = rounds.schedule_for(runtime, dt.date(2027, 9, 1))  # type: ignore[arg-type]
    assert schedule is not None
    assert schedule.confirm_deadline.astimezone(TOKYO) == dt.datetime(2027, 9, 20, tzinfo=TOKYO)
    plain = _Runtime(shipped("genkikan"), "genkikan")
    shipped_schedule = rounds.schedule_for(plain, dt.date(2027, 9, 1))  # type: ignore[arg-type]
    assert shipped_schedule is not None
    assert shipped_schedule.confirm_deadline.astimezone(TOKYO) == dt.datetime(
        2027, 9, 21, tzinfo=TOKYO
    )


def test_year_end_and_leap_day_examples() -> None:
    config, pm = shipped("genkikan"), plugins_of("genkikan")
    room = first_room(config)
    # Due 2026-12-30 by the rule (7 days before 6 January): the counter closes 12/29–1/3,
    # and Monday the 28th is the 4th Monday, so Sunday the 27th.
    terms = policy.payment_terms(
        pm, config, request(dt.date(2027, 1, 6), dt.date(2026, 12, 1)), room, GROUP, FEE
    )
    assert terms.due == dt.date(2026, 12, 27)
    # 2028-02-29 is an open Tuesday: a use on 7 March is due on the leap day itself.
    terms = policy.payment_terms(
        pm, config, request(dt.date(2028, 3, 7), dt.date(2028, 2, 1)), room, GROUP, FEE
    )
    assert terms.due == dt.date(2028, 2, 29)
    # The 4th Monday (2027-01-25) is closed: a use on 1 February is due on Sunday the 24th.
    terms = policy.payment_terms(
        pm, config, request(dt.date(2027, 2, 1), dt.date(2027, 1, 4)), room, GROUP, FEE
    )
    assert terms.due == dt.date(2027, 1, 24)
