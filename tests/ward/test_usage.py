"""The ward's usage figures and staff roster, on both databases.

The figures are checked on a dataset built for the test in Genkikan (June and July 2047):
holds and bookings on open days count, holds on closed
days (the 4th-Monday rule, an ad-hoc closure) do not, and closed days offer no slot.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.booking.models import CANCELLED, CONFIRMED, Booking
from shisetsu.db import utcnow
from shisetsu.facilities.models import Room
from shisetsu.groups.models import APPROVED
from shisetsu.lottery.engine import LOST, WON
from shisetsu.lottery.models import (
    DRAWN,
    OPEN,
    LotteryChoice,
    LotteryEntry,
    LotteryOutcome,
    LotteryRound,
)
from shisetsu.people.models import Staff
from shisetsu.slots.grid import shift_month
from shisetsu.slots.models import BOOKING, OFFICIAL, Closure, SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from shisetsu.ward import roster as roster_ops
from shisetsu.ward.usage import Cell, TenantUsage, tenant_usage
from tests.fixtures.auth import make_resident, make_staff, sign_in_as
from tests.support.audit import entries_after, last_id, signed_in_auditor, text
from tests.support.groups import make_group
from tests.support.slots import TOKYO, room_id
from tests.support.staff import english

pytestmark = pytest.mark.dates

TENANT, OTHER = "genkikan", "regasu"
FACILITY = "genkikan"
TODAY = dt.date(2047, 6, 15)
JUNE, JULY = dt.date(2047, 6, 1), dt.date(2047, 7, 1)
FIRST, LAST = dt.date(2046, 7, 1), dt.date(2047, 10, 31)
"""The window around TODAY (2046-07 … 2047-09) and one month after it."""


@pytest.fixture
def usage_app(any_app: Flask) -> Flask:
    return any_app


def _hold(room: int, day: dt.date, code: str, kind: str = BOOKING) -> SlotHold:
    return SlotHold(room_id=room, date=day, slot_code=code, kind=kind, ref_id=None)


def _booking(group: int, room: int, day: dt.date, codes: list[str], status: str) -> Booking:
    start = dt.datetime.combine(day, dt.time(0), dt.UTC)
    return Booking(
        group_id=group,
        room_id=room,
        date=day,
        slot_codes=codes,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        attendees=5,
        purpose="テスト利用",
        status=status,
    )


def _groups(app: Flask, slug: str, count: int) -> list[int]:
    account = make_resident(app, slug)
    return [
        make_group(app, slug, account.id, status=APPROVED, name=f"集計テスト{i}")
        for i in range(count)
    ]


def _round(session: Any, month: dt.date, state: str) -> LotteryRound:
    at = dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC) - dt.timedelta(days=60)
    rnd = LotteryRound(
        public_id=f"test-{month:%Y-%m}-{state}",
        usage_month=month,
        opens_at=at,
        closes_at=at,
        draw_at=at,
        confirm_deadline=at,
        first_come_at=at,
        policy="rank_order",
        policy_params={},
        seed_hex="00" * 32,
        commitment="00" * 32,
        pseudonym_key_hex="00" * 32,
        state=state,
    )
    session.add(rnd)
    session.flush()
    return rnd


def _entry(session: Any, rnd: LotteryRound, group: int, *, choices: int = 1, **kw: Any) -> int:
    entry = LotteryEntry(round_id=rnd.id, group_id=group, category="registered", **kw)
    session.add(entry)
    session.flush()
    for rank in range(1, choices + 1):
        session.add(LotteryChoice(entry_id=entry.id, rank=rank, slot_ids=[f"x-{rank}"]))
    return entry.id


def _outcome(
    session: Any, rnd: LotteryRound, entry: int, group: int, rank: int, status: str
) -> None:
    session.add(
        LotteryOutcome(
            round_id=rnd.id,
            entry_id=entry,
            group_id=group,
            rank=rank,
            slot_ids=[f"x-{rank}"],
            status=status,
            entrants=2,
            position=1,
            of=2,
        )
    )


def build_dataset(app: Flask) -> dict[str, int]:
    """Holds, bookings, closures and lottery rounds in Genkikan (and noise in Regasu)."""
    a = room_id(app, TENANT, FACILITY, "multipurpose")
    b = room_id(app, TENANT, FACILITY, "meeting-a")
    groups = _groups(app, TENANT, 4)
    other_groups = _groups(app, OTHER, 1)
    with tenant_session(app, TENANT) as session:
        facility_id = session.scalar(sa.select(Room.facility_id).where(Room.id == a))
        session.add_all(
            [
                # room A, June: 2 booked + 1 official = 3 taken; 06-24 is the 4th Monday
                _hold(a, dt.date(2047, 6, 3), "am"),
                _hold(a, dt.date(2047, 6, 3), "pm"),
                _hold(a, dt.date(2047, 6, 5), "night", OFFICIAL),
                _hold(a, dt.date(2047, 6, 24), "am"),
                # room B, June: closed 06-10..11 (its hold there does not count), 3 taken
                _hold(b, dt.date(2047, 6, 10), "am"),
                _hold(b, dt.date(2047, 6, 12), "am"),
                _hold(b, dt.date(2047, 6, 12), "pm"),
                _hold(b, dt.date(2047, 6, 12), "night"),
                # outside the window
                _hold(a, dt.date(2047, 10, 1), "am"),
                Closure(
                    facility_id=facility_id,
                    room_id=b,
                    start_date=dt.date(2047, 6, 10),
                    end_date=dt.date(2047, 6, 11),
                    reason_ja="点検",
                ),
                # the whole facility closed 07-01..02
                Closure(
                    facility_id=facility_id,
                    room_id=None,
                    start_date=dt.date(2047, 7, 1),
                    end_date=dt.date(2047, 7, 2),
                    reason_ja="工事",
                ),
                _booking(groups[0], a, dt.date(2047, 6, 3), ["am", "pm"], CONFIRMED),
                _booking(groups[0], a, dt.date(2047, 6, 4), ["am"], CANCELLED),
                _booking(groups[1], b, dt.date(2047, 7, 31), ["am"], CONFIRMED),
            ]
        )
        drawn = _round(session, JUNE, DRAWN)
        won = _entry(session, drawn, groups[0], choices=2)
        lost = _entry(session, drawn, groups[1])
        _entry(session, drawn, groups[2], withdrawn_at=utcnow())  # withdrawn: not counted
        _entry(session, drawn, groups[3], choices=0)  # no choice: not counted
        _outcome(session, drawn, won, groups[0], 1, WON)
        _outcome(session, drawn, won, groups[0], 2, WON)
        _outcome(session, drawn, lost, groups[1], 1, LOST)
        still_open = _round(session, JULY, OPEN)
        _entry(session, still_open, groups[1])
        session.commit()
    with tenant_session(app, OTHER) as session:
        rooms = session.scalars(sa.select(Room.id).order_by(Room.id)).all()
        session.add(_hold(rooms[0], dt.date(2047, 6, 3), "x"))
        session.add(_booking(other_groups[0], rooms[0], dt.date(2047, 6, 3), ["x"], CONFIRMED))
        session.commit()
    return {"a": a, "b": b}


def usage_of(app: Flask, slug: str = TENANT) -> TenantUsage:
    with tenant_session(app, slug) as session:
        return tenant_usage(session, current_runtime().config, TODAY)


def test_figures_on_a_constructed_dataset(usage_app: Flask) -> None:
    rooms = build_dataset(usage_app)
    usage = usage_of(usage_app)
    assert usage.months[0] == dt.date(2046, 7, 1) and usage.months[-1] == dt.date(2047, 9, 1)
    assert len(usage.months) == 15
    june, july = usage.months.index(JUNE), usage.months.index(JULY)
    (facility,) = usage.facilities
    by_id = {room.id: room for room in facility.rooms}
    assert len(by_id) == 5
    a, b = by_id[rooms["a"]], by_id[rooms["b"]]
    # June 2047: 30 days, the 4th Monday (06-24) closed: 29 days × 3 slots.
    assert a.cells[june] == Cell(bookings=1, taken=3, offered=87)
    assert a.cells[june].percent == 3  # 3/87
    # Room B is also closed 06-10..11: 27 days × 3; its hold on 06-10 does not count.
    assert b.cells[june] == Cell(bookings=0, taken=3, offered=81)
    assert b.cells[june].level == 0
    # July: 31 days, the 4th Monday (07-22) and the facility closure (07-01..02) closed.
    assert {room.cells[july].offered for room in facility.rooms} == {84}
    assert b.cells[july] == Cell(bookings=1, taken=0, offered=84)
    assert facility.cells[june] == Cell(bookings=1, taken=6, offered=87 * 4 + 81)
    assert usage.month_totals[june] == facility.cells[june]
    # Nothing in the other months of the window (the October hold lies outside it).
    assert all(c.taken == 0 for i, c in enumerate(a.cells) if i != june)
    assert usage.total.taken == 6 and usage.total.bookings == 2
    # Lottery: one drawn round; 2 groups entered (withdrawn / empty entries left out), 1 won.
    assert usage.rounds_drawn == 1
    (registered,) = usage.categories
    assert (registered.code, registered.entered, registered.won) == ("registered", 2, 1)
    assert registered.percent == 50.0
    assert registered.name.get("ja") == "登録団体"


def test_the_other_tenants_rows_stay_out(usage_app: Flask) -> None:
    build_dataset(usage_app)
    theirs = usage_of(usage_app, OTHER)
    ours = usage_of(usage_app)
    june = ours.months.index(JUNE)
    assert ours.month_totals[june].bookings == 1
    assert theirs.month_totals[june].bookings == 1 and theirs.categories == []
    assert {f.name.ja for f in theirs.facilities}.isdisjoint({f.name.ja for f in ours.facilities})


def test_heat_levels_and_empty_cells() -> None:
    assert Cell(taken=0, offered=0).level is None and Cell().percent is None
    assert [Cell(taken=t, offered=100).level for t in (0, 19, 20, 59, 60, 80, 100)] == [
        0,
        0,
        1,
        2,
        3,
        4,
        4,
    ]


def test_usage_pages_for_the_auditor_only(any_app: Flask) -> None:
    auditor = any_app.test_client()
    signed_in_auditor(auditor, any_app)
    before = last_id(any_app, TENANT)
    overview = auditor.get("/ward/usage")
    assert overview.status_code == 200
    assert 'class="heatmap"' in text(overview) and "/ward/usage?slug=genkikan" in text(overview)
    one = auditor.get("/ward/usage?slug=genkikan")
    assert one.status_code == 200
    page = text(one)
    assert "多目的室" in page and "区民団体" not in page  # Regasu's category stays out
    assert 'scope="row"' in page and "/ward/lottery/?slug=genkikan" in page
    views = entries_after(any_app, TENANT, before, actor_kind="auditor", record_type="usage")
    assert len(views) == 2
    # An unknown operator is a 404, never another operator's figures.
    assert auditor.get("/ward/usage?slug=nosuch").status_code == 404
    assert auditor.get("/ward/staff?slug=nosuch").status_code == 404
    assert auditor.get("/ward/usage?slug=../regasu").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "resident", "responsible"])
def test_others_are_refused(any_app: Flask, who: str) -> None:
    client = any_app.test_client()
    if who == "resident":
        sign_in_as(client, any_app, make_resident(any_app, TENANT))
    elif who == "responsible":
        sign_in_as(client, any_app, make_staff(any_app, TENANT, "responsible"))
    for path in ("/ward/usage", "/ward/usage?slug=genkikan", "/ward/staff?slug=genkikan"):
        response = client.get(path)
        assert response.status_code in (302, 403), (who, path)
        if response.status_code == 302:
            assert "/ward/login" in response.headers["Location"]


def all_roster_pages(auditor: FlaskClient, first: str) -> str:
    """Regasu's roster, every page in order."""
    pages = [first]
    while 'rel="next"' in pages[-1]:
        pages.append(text(auditor.get(f"/ward/staff?slug=regasu&page={len(pages) + 1}")))
    return "".join(pages)


def test_the_roster_shows_roles_and_states_and_its_view_is_logged(any_app: Flask) -> None:
    responsible = make_staff(any_app, OTHER, "responsible")
    handler = make_staff(any_app, OTHER, "handler")
    gone = make_staff(any_app, OTHER, "counter")
    with tenant_session(any_app, OTHER) as session:
        session.execute(
            sa.update(Staff).where(Staff.id == gone.id).values(active=False, removed_at=utcnow())
        )
        session.execute(
            sa.update(Staff)
            .where(Staff.id == handler.id)
            .values(locked_until=utcnow() + dt.timedelta(minutes=10), totp_enrolled_at=None)
        )
        session.commit()
    auditor = any_app.test_client()
    ref = signed_in_auditor(auditor, any_app)
    before = last_id(any_app, OTHER)
    response = auditor.get("/ward/staff?slug=regasu")
    assert response.status_code == 200
    (view,) = entries_after(any_app, OTHER, before, actor_kind="auditor")
    assert (view.action, view.record_type, view.actor_id) == ("view", "staff_roster", ref.id)
    page = all_roster_pages(auditor, text(response))
    rows = {
        login: (status, row)
        for status, row in re.findall(r'<tr class="status-(\w+)">(.*?)</tr>', page, re.S)
        for login in (responsible.login, handler.login, gone.login)
        if f"<td>{login}</td>" in row
    }
    assert rows[responsible.login][0] == "active" and "取扱責任者" in rows[responsible.login][1]
    assert rows[handler.login][0] == "locked" and "取扱者" in rows[handler.login][1]
    assert rows[gone.login][0] == "removed" and "窓口" in rows[gone.login][1]
    assert page.index(handler.login) < page.index(gone.login)  # removed staff come last
    # Genkikan's log has no entry for a Regasu roster view.
    assert entries_after(any_app, TENANT, last_id(any_app, TENANT), actor_kind="auditor") == []

    before = {slug: last_id(any_app, slug) for slug in (TENANT, OTHER)}
    summary = auditor.get("/ward/staff")
    assert summary.status_code == 200 and "/ward/staff?slug=regasu" in text(summary)
    for slug in (TENANT, OTHER):
        logged = entries_after(any_app, slug, before[slug], actor_kind="auditor")
        assert [e.record_type for e in logged] == ["staff_roster"]
    # A page past the end shows the last page; a malformed one the first.
    assert auditor.get("/ward/staff?slug=regasu&page=99999999999999999999").status_code == 200
    assert auditor.get("/ward/staff?slug=regasu&page=x").status_code == 200


def test_home_links_every_console_page(any_app: Flask) -> None:
    auditor = any_app.test_client()
    signed_in_auditor(auditor, any_app)
    page = text(auditor.get("/ward/"))
    assert 'href="/ward/usage"' in page and 'href="/ward/staff"' in page  # across operators
    for slug in (TENANT, OTHER):
        assert f"/ward/usage?slug={slug}" in page
        assert f"/ward/staff?slug={slug}" in page


def test_the_usage_page_draws_the_win_rate_chart_in_both_languages(usage_app: Flask) -> None:
    month = shift_month(dt.datetime.now(TOKYO).date().replace(day=1), -11)
    groups = _groups(usage_app, TENANT, 2)
    with tenant_session(usage_app, TENANT) as session:
        rnd = _round(session, month, DRAWN)
        winner = _entry(session, rnd, groups[0])
        _entry(session, rnd, groups[1])
        _outcome(session, rnd, winner, groups[0], 1, WON)
        session.commit()
    auditor = usage_app.test_client()
    signed_in_auditor(auditor, usage_app)
    ja = text(auditor.get("/ward/usage?slug=genkikan"))
    assert '<ul class="bars"' in ja and "登録団体" in ja and "50.0%" in ja
    assert '<rect class="bar-fill" x="0" y="0" width="50.0%"' in ja
    en = text(english(auditor).get("/ward/usage?slug=genkikan"))
    assert "Registered group" in en and "50.0%" in en


def test_the_roster_pages_and_counts(any_app: Flask) -> None:
    made = [make_staff(any_app, TENANT, role) for role in ("responsible", "handler", "handler")]
    now = utcnow()
    with tenant_session(any_app, TENANT) as session:
        first = roster_ops.roster(session, now, page=1, per_page=2)
        last = roster_ops.roster(session, now, page=10**6, per_page=2)
    assert first.total == 3 and first.pages == -(-first.total // 2) and len(first.rows) == 2
    assert last.page == last.pages and last.rows
    assert first.count("handler", "active") == 2 and first.count() == first.total
    assert first.rows[0].role == "responsible"  # responsible people first
    assert {m.login for m in made} <= {
        row.login for page in range(1, first.pages + 1) for row in _roster_page(any_app, page).rows
    }


def _roster_page(app: Flask, page: int) -> roster_ops.RosterPage:
    with tenant_session(app, TENANT) as session:
        return roster_ops.roster(session, utcnow(), page=page, per_page=2)
