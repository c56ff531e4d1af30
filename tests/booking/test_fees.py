"""Fees, payment deadlines and refunds, table-driven against the shipped tenant.toml files.

No database: the tenants' own plugin managers answer for frozen facts, with weekday,
weekend, national-holiday and year-end dates. Regasu's 歴史博物館 講堂 and hourly
sports-ground rates are the verified ones (docs/domain.md, Fees and reductions).
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pluggy
import pytest

from shisetsu.booking import policy
from shisetsu.booking.display import yen
from shisetsu.plugins import build_plugin_manager
from shisetsu.plugins.booking import (
    BookingRequest,
    FeeBreakdown,
    GroupBookingFacts,
    RoomFacts,
    SlotFacts,
)
from shisetsu.printing import wareki
from shisetsu.slots.calendar import is_holiday_rates
from shisetsu.tenancy.config import TenantConfig, load_tenant_config

pytestmark = pytest.mark.dates

ROOT = Path(__file__).resolve().parents[2]
TOKYO = dt.timezone(dt.timedelta(hours=9))


@functools.cache
def tenant(slug: str) -> tuple[TenantConfig, pluggy.PluginManager]:
    config = load_tenant_config(ROOT / "tenants" / slug / "tenant.toml")
    return config, build_plugin_manager(config.plugins)


def request_for(
    slug: str,
    facility: str,
    room_code: str,
    day: dt.date,
    codes: list[str],
    *,
    today: dt.date = dt.date(2026, 1, 5),
    reduction: str | None = None,
) -> tuple[BookingRequest, RoomFacts]:
    config, _pm = tenant(slug)
    room = config.room(facility, room_code)
    assert room is not None
    scheme = config.scheme_of(room)
    defs = {sd.code: sd for sd in scheme.slots_for(day)}
    full = next((f for f in scheme.full_day if f.code in codes), None)
    members = list(full.slots) if full else codes

    def facts(code: str) -> SlotFacts:
        sd = defs[code]
        return SlotFacts(
            code,
            sd.name.ja,
            sd.name.en,
            dt.datetime.combine(day, sd.start, tzinfo=TOKYO),
            dt.datetime.combine(day, sd.end, tzinfo=TOKYO),
        )

    slots = tuple(facts(code) for code in members)
    set_facts = None
    if full is not None:
        set_facts = SlotFacts(full.code, full.name.ja, full.name.en, slots[0].start, slots[-1].end)
    request = BookingRequest(
        date=day,
        slots=slots,
        attendees=10,
        purpose="練習",
        today=today,
        now=dt.datetime.combine(today, dt.time(10), tzinfo=TOKYO),
        holiday_rates=is_holiday_rates(day),
        full_day=set_facts,
        by_staff=reduction is not None,
        reduction=reduction,
    )
    return request, RoomFacts(1, facility, room_code, room.slot_scheme, room.capacity)


def fee(
    slug: str,
    facility: str,
    room: str,
    day: str,
    codes: list[str],
    *,
    category: str | None = None,
    reduction: str | None = None,
) -> FeeBreakdown:
    config, pm = tenant(slug)
    request, room_facts = request_for(
        slug, facility, room, dt.date.fromisoformat(day), codes, reduction=reduction
    )
    group = GroupBookingFacts(1, category or config.group_categories[0].code, True, None)
    return policy.quote_fee(pm, request, room_facts, group)


FEES = [
    # Regasu 新宿歴史博物館 講堂 [verified]: 午前 2,000/3,000, 午後 4,000/6,000, 全日 6,000/9,000
    ("auditorium am, Tuesday", "2026-02-03", ["am"], 2000),
    ("auditorium am, Saturday", "2026-02-07", ["am"], 3000),
    ("auditorium am, Sunday", "2026-02-08", ["am"], 3000),
    ("auditorium am, 建国記念の日 (Wed)", "2026-02-11", ["am"], 3000),
    ("auditorium am, 振替休日 2026-05-06 (Wed)", "2026-05-06", ["am"], 3000),
    ("auditorium pm, weekday", "2026-02-03", ["pm"], 4000),
    ("auditorium pm, holiday 成人の日", "2027-01-11", ["pm"], 6000),
    ("auditorium full, weekday", "2026-02-03", ["full"], 6000),
    ("auditorium full, weekend", "2026-02-07", ["full"], 9000),
    ("auditorium am+pm, weekday (priced as slots)", "2026-02-03", ["am", "pm"], 6000),
    ("auditorium am, Mon before year end", "2026-12-28", ["am"], 2000),
    ("auditorium am, 元日 (closed, still priced)", "2027-01-01", ["am"], 3000),
    ("auditorium am, first Monday after New Year", "2027-01-04", ["am"], 2000),
]


@pytest.mark.parametrize(
    ("day", "codes", "total"), [case[1:] for case in FEES], ids=[case[0] for case in FEES]
)
def test_auditorium_rates(day: str, codes: list[str], total: int) -> None:
    breakdown = fee("regasu", "history-museum", "auditorium", day, codes)
    assert breakdown.total == total
    assert breakdown.sample is False


@pytest.mark.parametrize(
    ("day", "codes", "total"),
    [
        ("2026-02-03", ["h09", "h10", "h11"], 9000),  # 午前 ¥3,000 an hour [verified]
        ("2026-02-03", ["h12"], 4000),  # 午後 ¥4,000
        ("2026-02-07", ["h17", "h21"], 10000),  # 夜間 ¥5,000, weekend the same
        ("2026-02-11", ["h11", "h12"], 7000),  # holiday, across the band change
    ],
)
def test_sports_ground_hourly_bands(day: str, codes: list[str], total: int) -> None:
    breakdown = fee("regasu", "kita-shinjuku-field", "field-a", day, codes)
    assert breakdown.total == total
    band = {"h09": 3000, "h10": 3000, "h11": 3000, "h12": 4000, "h17": 5000, "h21": 5000}
    assert [item.amount for item in breakdown.items] == [band[c] for c in codes]


def test_category_discount_and_counter_reduction_are_itemised() -> None:
    children = fee(
        "regasu", "history-museum", "auditorium", "2026-02-07", ["full"], category="children"
    )
    assert [(i.code, i.amount) for i in children.items] == [
        ("full", 9000),
        ("discount:children", -4500),
    ]
    assert children.total == 4500
    waived = fee(
        "regasu", "kita-shinjuku-field", "field-b", "2026-02-03", ["h10"], reduction="disability"
    )
    assert waived.total == 0
    assert waived.items[-1].ja.startswith("減免")

    registered = fee("genkikan", "genkikan", "meeting-a", "2026-02-03", ["am"])
    assert [(i.code, i.amount) for i in registered.items] == [
        ("am", 1000),
        ("discount:registered", -500),
    ]
    assert registered.sample is True
    both = fee("genkikan", "genkikan", "multipurpose", "2026-02-07", ["pm"], reduction="seniors")
    assert [i.amount for i in both.items] == [3200, -1600, -800]
    assert both.total == 800


@pytest.mark.parametrize("slug", ["regasu", "genkikan"])
def test_every_room_and_slot_has_a_rate(slug: str) -> None:
    config, _pm = tenant(slug)
    for facility in config.facilities:
        for room in facility.rooms:
            scheme = config.scheme_of(room)
            for day in (dt.date(2026, 2, 3), dt.date(2026, 2, 7)):
                for sd in scheme.slots_for(day):
                    found = fee(slug, facility.code, room.code, day.isoformat(), [sd.code])
                    assert found.total > 0, (room.code, sd.code)
                for full in scheme.full_day:
                    found = fee(slug, facility.code, room.code, day.isoformat(), [full.code])
                    assert found.total > 0


def test_counter_reductions_are_listed() -> None:
    _config, pm = tenant("regasu")
    assert {r.code for r in policy.reductions(pm)} == {"disability", "cosponsored"}


TERMS = [
    # (booked on, use date, due, remind from)
    ("2026-01-05", "2026-02-03", "2026-01-27", "2026-01-24"),  # 7 days before
    ("2026-01-25", "2026-02-03", "2026-01-28", "2026-01-25"),  # late: 3 days' grace
    ("2026-02-01", "2026-02-03", "2026-02-03", "2026-01-31"),  # very late: the use date
    # across the year end: the 29th is closed and so is the 28th (the 4th Monday), so the
    # 27th; the reminder keeps its lead
    ("2026-12-20", "2027-01-05", "2026-12-27", "2026-12-24"),
]


@pytest.mark.parametrize(("booked", "use", "due", "remind"), TERMS)
def test_payment_deadlines(booked: str, use: str, due: str, remind: str) -> None:
    config, pm = tenant("regasu")
    request, room = request_for(
        "regasu",
        "history-museum",
        "auditorium",
        dt.date.fromisoformat(use),
        ["am"],
        today=dt.date.fromisoformat(booked),
    )
    group = GroupBookingFacts(1, "resident", True, None)
    breakdown = policy.quote_fee(pm, request, room, group)
    terms = policy.payment_terms(pm, config, request, room, group, breakdown)
    assert (terms.due, terms.remind_from) == (
        dt.date.fromisoformat(due),
        dt.date.fromisoformat(remind),
    )


def test_free_bookings_have_no_deadline() -> None:
    config, pm = tenant("regasu")
    request, room = request_for(
        "regasu",
        "kita-shinjuku-field",
        "field-a",
        dt.date(2026, 2, 3),
        ["h09"],
        reduction="disability",
    )
    group = GroupBookingFacts(1, "resident", True, None)
    breakdown = policy.quote_fee(pm, request, room, group)
    assert policy.payment_terms(pm, config, request, room, group, breakdown).due is None


REFUNDS = [
    # (cancelled at, Tokyo time, for use on 2026-02-10 09:30) → percent
    ("2026-01-20T12:00", 100),
    ("2026-02-03T23:59", 100),  # 7 days before
    ("2026-02-04T00:00", 50),  # 6 days
    ("2026-02-08T18:00", 50),  # 2 days
    ("2026-02-09T09:00", 0),  # the day before
    ("2026-02-10T08:00", 0),  # the day itself
]


@pytest.mark.parametrize(("when", "percent"), REFUNDS)
def test_refund_schedule(when: str, percent: int) -> None:
    from types import SimpleNamespace

    config, pm = tenant("genkikan")
    booking = SimpleNamespace(
        date=dt.date(2026, 2, 10),
        starts_at=dt.datetime(2026, 2, 10, 0, 30, tzinfo=dt.UTC),  # 09:30 in Tokyo
        fee_total=3000,
        status="paid",
    )
    moment = dt.datetime.fromisoformat(when).replace(tzinfo=TOKYO).astimezone(dt.UTC)
    rule = policy.refund_rule(pm, config, booking, moment, "genkikan")  # type: ignore[arg-type]
    assert rule.percent == percent
    assert rule.amount(3000) == 3000 * percent // 100
    assert rule.ja and rule.en


def test_odd_amounts_round_down_to_the_yen() -> None:
    from shisetsu.plugins.booking import RefundRule

    assert RefundRule(50, "半額", "half").amount(1555) == 777


@pytest.mark.parametrize(
    ("day", "text"),
    [
        ("2026-02-01", "令和8年2月1日"),
        ("2019-05-01", "令和元年5月1日"),
        ("2019-04-30", "平成31年4月30日"),
        ("2027-01-04", "令和9年1月4日"),
    ],
)
def test_era_dates(day: str, text: str) -> None:
    assert wareki(dt.date.fromisoformat(day)) == text


def test_yen() -> None:
    assert yen(6000) == "6,000円"
    assert yen(-4500, "en") == "-¥4,500"
