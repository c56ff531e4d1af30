"""axe-core on every page that exists today, in Japanese and English, on desktop and phone.

The target is JIS X 8341-3:2016, which is WCAG 2.1 AA. axe runs the
WCAG 2.0/2.1 A+AA and best-practice rules on each page, and these pages must have no
violation at all (the target asks for none serious or critical; they have none of any
impact). The walks go through the pages as people reach them, through the real forms:
anonymous visitors (portal, both operators, rooms, availability, sign-in, sign-up and
reset with their error summaries, token and 404 pages), a resident (my page, password,
groups, the application form before and after a refused submit, group pages, renewal),
staff with their TOTP sign-in and first enrolment (console, staff, groups, rooms, facility
details) and a ward auditor. Every page is checked in both languages; the resident's
journey (and the public pages) also at 390×844, where the page must not scroll sideways.
On top of axe: the
<html lang>, Japanese text on English pages marked lang="ja", and the focus on the error
summary after a refused submit. Problems are collected over a whole walk and reported
together. Screenshots: tests/artifacts/a11y-<walk>-<lang>-<page>.png.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.facilities.models import Room
from shisetsu.groups.models import APPROVED
from shisetsu.notify.models import OutboxMessage
from shisetsu.people.models import Account
from shisetsu.slots.grid import shift_month
from shisetsu.slots.models import OFFICIAL, Closure, SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import PASSWORD as RESIDENT_PASSWORD
from tests.fixtures.auth import make_resident
from tests.fixtures.axe import assert_accessible, run_axe
from tests.fixtures.browser import LiveServer
from tests.support.groups import make_group, today_in_tokyo
from tests.support.slots import open_weekday, room_id
from tests.support.staff import (
    PASSWORD as STAFF_PASSWORD,
)
from tests.support.staff import (
    Person,
    make_auditor,
    make_staff,
)
from tests.support.walk import LANGUAGES, Walk, console_sign_in, in_both_languages

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

TENANT = "genkikan"
PHONE_PASSWORD = "phone journey 2026"


# --- data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    room: int  # Genkikan's cooking room: morning / afternoon / evening
    wide_room: int  # a Regasu field let by the hour: 13 columns, wider than a phone
    month: str  # next month: every slot of it is still ahead


@pytest.fixture
def places(app: Flask) -> Places:
    return Places(
        room=room_id(app, TENANT, "genkikan", "kitchen"),
        wide_room=room_id(app, "regasu", "kita-shinjuku-field", "field-a"),
        month=f"{shift_month(today_in_tokyo(), 1):%Y-%m}",
    )


def outbox_link(app: Flask, address: str, kind: str) -> str:
    with tenant_session(app, TENANT) as session:
        body = session.scalars(
            sa.select(OutboxMessage.body_text)
            .where(OutboxMessage.to_address == address, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id.desc())
        ).first()
    found = re.search(r"https?://\S+", body or "")
    assert found, body
    return found.group(0)


def account_id(app: Flask, email: str) -> int:
    with tenant_session(app, TENANT) as session:
        found = session.scalar(sa.select(Account.id).where(Account.email == email))
    assert found is not None
    return int(found)


def first_free_slot(walk: Walk, places: Places) -> str:
    month = f"/{TENANT}/rooms/{places.room}/availability?month={places.month}"
    walk.page.goto(walk.server.url_for(month))
    href = walk.page.locator("a.cell-link").first.get_attribute("href")
    assert href, "no free slot in the month grid"
    return href


# --- anonymous -------------------------------------------------------------------------


def public_pages(walk: Walk, places: Places, *, full: bool = True) -> None:
    start = dt.date.fromisoformat(places.month + "-01")
    walk.visit("/", "portal")
    walk.visit(f"/{TENANT}/", "genkikan-home")
    walk.visit("/regasu/", "regasu-home")
    walk.visit(f"/{TENANT}/rooms/{places.room}", "room")
    walk.visit(f"/{TENANT}/availability", "search")
    walk.visit(
        f"/{TENANT}/availability?start={start}&end={start + dt.timedelta(days=6)}",
        "search-results",
    )
    walk.visit(f"/{TENANT}/rooms/{places.room}/availability?month={places.month}", "month")
    walk.visit(f"/regasu/rooms/{places.wide_room}/availability", "month-hourly")
    walk.visit(first_free_slot(walk, places), "slot")
    if not full:
        return
    walk.visit(
        f"/{TENANT}/availability?start={start}&end={start - dt.timedelta(days=1)}",
        "search-refused",
        status=400,
        refused=True,
    )
    walk.visit(f"/{TENANT}/account/login", "login")
    walk.submit("/account/login")
    walk.check("login-refused", refused=True)
    walk.visit(f"/{TENANT}/account/signup", "signup")
    walk.submit("/account/signup")
    walk.check("signup-refused", refused=True)
    walk.visit(f"/{TENANT}/account/reset", "reset-request")
    walk.visit(f"/{TENANT}/account/reset/not-a-token", "reset-bad-token", status=404)
    walk.visit(f"/{TENANT}/account/verify/not-a-token", "verify-bad-token", status=404)
    walk.visit(f"/{TENANT}/manage/login", "staff-login")
    walk.visit("/ward/login", "ward-login")
    walk.visit(f"/{TENANT}/no-such-page", "not-found", status=404)
    walk.visit("/no-such-operator/", "no-operator", status=404)
    walk.visit("/_dev/mail", "dev-mail")


def test_public_pages(
    app: Flask, live_server: LiveServer, page: Page, axe: Path, places: Places
) -> None:
    walk = Walk(page, live_server, "public")
    in_both_languages(walk, lambda w: public_pages(w, places))


# --- residents -------------------------------------------------------------------------


def resident_sign_in(
    walk: Walk, login: str, password: str = RESIDENT_PASSWORD, *, label: str | None = None
) -> None:
    """Sign in through the form; it lands on my page in the account's language (checked as
    ``label``), after which the walk's language is set again."""
    walk.page.goto(walk.server.url_for(f"/{TENANT}/account/login"))
    walk.fill({"#login": login, "#password": password})
    walk.submit("/account/login")
    assert walk.page.url.endswith(f"/{TENANT}/account/"), walk.page.url
    if label:
        walk.check(label, lang=walk.page.locator("html").get_attribute("lang"))
    walk.language(walk.lang)


def sign_out(walk: Walk) -> None:
    with walk.page.expect_navigation():
        walk.page.get_by_role("button", name=re.compile("^(ログアウト|Sign out)$")).click()


def application_pages(walk: Walk) -> None:
    walk.visit(f"/{TENANT}/groups/", "my-groups")
    walk.visit(f"/{TENANT}/groups/apply", "apply")
    walk.fill({"#name": "アクセシビリティ体操の会", "#member_count": "4", "#resident_count": "4"})
    walk.submit("/groups/apply")
    walk.check("apply-refused", refused=True)


def resident_pages(walk: Walk, app: Flask, email: str, groups: tuple[int, int]) -> None:
    pending, approved = groups
    walk.visit(f"/{TENANT}/account/", "my-page")
    walk.visit(f"/{TENANT}/account/password", "password")
    walk.submit("/account/password")
    walk.check("password-refused", refused=True)
    application_pages(walk)
    walk.visit(f"/{TENANT}/groups/{pending}", "group-pending")
    walk.visit(f"/{TENANT}/groups/{approved}", "group-approved")
    walk.visit(f"/{TENANT}/groups/{approved}/renew", "renew")

    # Signed out: asking for a new password, and the page its mail links to.
    sign_out(walk)
    walk.check("signed-out")
    walk.visit(f"/{TENANT}/account/reset", "reset-request")
    walk.fill({"#login": email})
    walk.submit("/account/reset")
    walk.check("reset-requested")
    link = outbox_link(app, email, "account_reset")
    walk.visit(link, "reset")
    resident_sign_in(walk, email, label="signed-in")


def test_resident_pages(
    app: Flask, live_server: LiveServer, page: Page, axe: Path, places: Places
) -> None:
    resident = make_resident(app, TENANT)
    assert resident.email
    today = today_in_tokyo()
    groups = (
        make_group(app, TENANT, resident.id, name="ひまわり体操の会"),
        make_group(
            app,
            TENANT,
            resident.id,
            status=APPROVED,
            valid_from=today - dt.timedelta(days=700),
            valid_until=today + dt.timedelta(days=30),
            name="Shinjuku Tai Chi Club",
        ),
    )
    walk = Walk(page, live_server, "resident")
    resident_sign_in(walk, resident.login)
    in_both_languages(walk, lambda w: resident_pages(w, app, resident.email or "", groups))


def phone_journey(walk: Walk, app: Flask, places: Places) -> None:
    """The public pages, then sign up, confirm the address, sign in, apply (refused), a
    registered group and its page; at 390×844."""
    public_pages(walk, places, full=False)
    email = f"phone-{walk.lang}-{uuid.uuid4().hex[:8]}@example.jp"
    walk.visit(f"/{TENANT}/account/signup", "signup")
    walk.submit("/account/signup")
    walk.check("signup-refused", refused=True)
    walk.fill({"#email": email, "#password": PHONE_PASSWORD, "#confirm": PHONE_PASSWORD})
    walk.submit("/account/signup")
    walk.check("signed-up")
    walk.visit(outbox_link(app, email, "account_verify"), "verify")
    walk.submit("/account/verify/")
    walk.check("verified")
    resident_sign_in(walk, email, PHONE_PASSWORD, label="signed-in")
    application_pages(walk)
    today = today_in_tokyo()
    group = make_group(
        app,
        TENANT,
        account_id(app, email),
        status=APPROVED,
        valid_from=today - dt.timedelta(days=700),
        valid_until=today + dt.timedelta(days=30),
        name="新宿区民の健康体操を楽しむ会",
    )
    walk.visit(f"/{TENANT}/groups/", "my-groups-listed")
    walk.visit(f"/{TENANT}/groups/{group}", "group")
    walk.visit(f"/{TENANT}/account/password", "password")
    sign_out(walk)


def test_resident_journey_on_a_phone(
    app: Flask, live_server: LiveServer, phone_page: Page, axe: Path, places: Places
) -> None:
    walk = Walk(phone_page, live_server, "phone", phone=True)
    in_both_languages(walk, lambda w: phone_journey(w, app, places))


# --- staff and the ward ------------------------------------------------------------------


def add_closure_and_hold(app: Flask, room: int) -> tuple[int, int]:
    with tenant_session(app, TENANT) as session:
        config = current_runtime().config
        row = session.get(Room, room)
        assert row is not None
        day = open_weekday(config, today_in_tokyo() + dt.timedelta(days=20), "genkikan")
        closure = Closure(
            facility_id=row.facility_id,
            room_id=room,
            start_date=day,
            end_date=day + dt.timedelta(days=1),
            reason_ja="設備点検",
            reason_en=None,
        )
        session.add(closure)
        hold = SlotHold(
            room_id=room,
            date=open_weekday(config, day + dt.timedelta(days=3), "genkikan"),
            slot_code="am",
            kind=OFFICIAL,
            note="区の行事",
        )
        session.add(hold)
        session.commit()
        return closure.id, hold.id


def enrol(walk: Walk, person: Person, base: str) -> None:
    """First sign-in of a new member: the QR page, then the recovery codes."""
    walk.page.goto(walk.server.url_for(f"{base}/login"))
    walk.fill({"#login": person.login, "#password": STAFF_PASSWORD})
    walk.submit(f"{base}/login")
    assert walk.page.url.endswith(f"{base}/enrol"), walk.page.url
    walk.check("enrol")
    secret = walk.page.locator("#totp-secret").inner_text().replace(" ", "")
    walk.fill({"#code": pyotp.TOTP(secret).now()})
    walk.submit(f"{base}/enrol")
    walk.check("recovery-codes")
    sign_out(walk)


def staff_pages(walk: Walk, app: Flask, ids: dict[str, int]) -> None:
    m = f"/{TENANT}/manage"
    walk.visit(f"{m}/", "console")
    walk.visit(f"{m}/staff/", "staff-list")
    walk.visit(f"{m}/staff/new", "staff-add")
    walk.submit("/manage/staff/new")
    walk.check("staff-add-refused", refused=True)
    login = f"a11y{walk.lang}{uuid.uuid4().hex[:6]}"
    walk.fill({"#login": login, "#display_name": f"試験 {walk.lang}"})
    walk.submit("/manage/staff/new")
    walk.check("staff-added")
    walk.visit(f"{m}/staff/{ids['other']}/reset", "staff-reset")
    walk.visit(f"{m}/staff/{ids['other']}/remove", "staff-remove")
    walk.visit(f"{m}/security", "security")
    walk.visit(f"{m}/password", "console-password")
    walk.visit(f"{m}/groups/", "groups")
    walk.visit(f"{m}/groups/?status=pending&q=%E4%BD%93%E6%93%8D", "groups-filtered")
    walk.visit(f"{m}/groups/pending", "groups-pending")
    walk.visit(f"{m}/groups/{ids['pending']}", "group-review")
    walk.fill({"#verified_member_count": "3", "#verified_resident_count": "5"})
    walk.submit(f"/groups/{ids['pending']}/verify")
    walk.check("group-review-refused", refused=True)
    walk.visit(f"{m}/groups/{ids['approved']}", "group-approved")
    with tenant_session(app, TENANT) as session:
        facility = session.get_one(Room, ids["room"]).facility_id
    walk.visit(f"{m}/facilities/{facility}/details", "facility-details")
    walk.fill({"#phone": "call us"})
    walk.submit(f"/facilities/{facility}/details")
    walk.check("facility-details-refused", refused=True)
    walk.visit(f"{m}/rooms/", "rooms")
    walk.visit(f"{m}/rooms/{ids['room']}", "room-manage")
    yesterday = f"{today_in_tokyo() - dt.timedelta(days=1)}"
    walk.fill(
        {"#closure-start": yesterday, "#closure-end": yesterday, "#closure-reason_ja": "点検"}
    )
    walk.submit(f"/rooms/{ids['room']}/closures")
    walk.check("room-closure-refused", refused=True)
    walk.visit(f"{m}/rooms/{ids['room']}/closures/{ids['closure']}/remove", "closure-remove")
    walk.visit(f"{m}/rooms/{ids['room']}/holds/{ids['hold']}/remove", "hold-remove")


def test_staff_pages(
    app: Flask, live_server: LiveServer, page: Page, axe: Path, places: Places
) -> None:
    me = make_staff(app, TENANT, "responsible")
    newcomers = {code: make_staff(app, TENANT, "counter", enrolled=False) for code in LANGUAGES}
    resident = make_resident(app, TENANT)
    today = today_in_tokyo()
    closure, hold = add_closure_and_hold(app, places.room)
    ids = {
        "other": make_staff(app, TENANT, "handler").id,
        "pending": make_group(app, TENANT, resident.id, name="ひまわり体操の会"),
        "approved": make_group(
            app,
            TENANT,
            resident.id,
            status=APPROVED,
            valid_from=today - dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=700),
            name="Shinjuku Tai Chi Club",
        ),
        "room": places.room,
        "closure": closure,
        "hold": hold,
    }
    walk = Walk(page, live_server, "staff")
    console_sign_in(walk, app, me, f"/{TENANT}/manage")
    in_both_languages(walk, lambda w: staff_pages(w, app, ids))

    sign_out(walk)
    for code in LANGUAGES:
        walk.language(code)
        enrol(walk, newcomers[code], f"/{TENANT}/manage")
    walk.assert_clean()


def ward_pages(walk: Walk) -> None:
    walk.visit("/ward/", "ward-home")
    walk.visit("/ward/security", "ward-security")
    walk.visit("/ward/password", "ward-password")


def test_ward_pages(app: Flask, live_server: LiveServer, page: Page, axe: Path) -> None:
    auditor = make_auditor(app)
    walk = Walk(page, live_server, "ward")
    walk.language("en")  # staff sign in in Japanese: the same pages, in English here
    console_sign_in(walk, app, auditor, "/ward")
    in_both_languages(walk, ward_pages)


def test_the_checker_finds_problems(page: Page, axe: Path) -> None:
    """A page with known faults fails: the walks above are not passing by accident."""
    page.set_content(
        "<!doctype html><html><head><title>x</title></head><body><main>"
        '<img src="data:,"><input type="text"><a href="#"></a>'
        '<p style="color:#aaa;background:#fff">faint</p></main></body></html>'
    )
    found = {v["id"] for v in run_axe(page).violations}
    assert {"html-has-lang", "image-alt", "label", "link-name", "color-contrast"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
