"""Chromium: search → book → My bookings → cancel, and staff's booking pages, with axe.

A resident signs in on the real page, finds a free slot through the search, books it,
finds it under My bookings and cancels it after seeing the refund; staff sign in with
their TOTP code and open the day view, the counter, a booking and the daily list. Every
page is checked with axe-core (no serious or critical violation), the booking form also
on a phone, where nothing may scroll sideways. Screenshots: tests/artifacts/booking-*.png.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from flask import Flask

from tests.fixtures.auth import PASSWORD
from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import LiveServer, shot
from tests.support.booking import (
    book,
    member,
    open_day,
    slot,
)
from tests.support.slots import room_id
from tests.support.staff import PASSWORD as STAFF_PASSWORD
from tests.support.staff import fresh_code, make_staff

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
TENANT = "genkikan"


@pytest.fixture
def booking_app(app: Flask) -> Flask:
    return app


def english(page: Page, live_server: LiveServer) -> None:
    page.context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])


def check(page: Page, name: str) -> None:
    assert_accessible(page)
    shot(page, f"booking-{name}")


def test_search_book_find_and_cancel(
    booking_app: Flask, live_server: LiveServer, page: Page, axe: object
) -> None:
    m = member(booking_app, TENANT, locale="en")
    day = open_day(booking_app, TENANT, "genkikan", after=20)
    room = room_id(booking_app, TENANT, "genkikan", "meeting-a")
    english(page, live_server)

    page.goto(live_server.url_for(f"/{TENANT}/account/login"))
    page.locator("input[name=login]").fill(m.resident.login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").last.click()
    page.wait_for_url("**/account/**")

    page.goto(
        live_server.url_for(
            f"/{TENANT}/availability?room={room}&start={day.isoformat()}&end={day.isoformat()}"
        )
    )
    page.locator("ul.free-slots a").first.click()
    page.wait_for_url("**/slots/**")
    page.get_by_role("link", name="Book this time slot").click()
    page.wait_for_url("**/book?**")
    check(page, "form")
    page.get_by_label("Number of people").fill("12")
    page.get_by_label("Purpose of use").fill("Choir practice")
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_url("**/bookings/*")
    assert page.locator("h1").inner_text().startswith("Booking ")
    check(page, "detail")

    page.get_by_role("navigation", name="Breadcrumbs").get_by_role(
        "link", name="My bookings"
    ).click()
    page.wait_for_url("**/bookings/")
    assert page.locator("table.bookings tbody tr").count() == 1
    check(page, "mine")

    page.locator("table.bookings tbody tr th a").first.click()
    page.get_by_role("link", name="Cancel this booking").click()
    page.wait_for_url("**/cancel")
    check(page, "cancel")
    page.get_by_role("button", name="Cancel the booking").click()
    assert page.locator(".error-summary[role=alert]").count() == 1  # not confirmed yet
    page.get_by_label("I understand the refund shown above").check()
    page.get_by_role("button", name="Cancel the booking").click()
    page.wait_for_url("**/bookings/*")
    assert "Cancelled" in page.locator("dl.facts").inner_text()


def test_booking_form_on_a_phone(
    booking_app: Flask, live_server: LiveServer, phone_page: Page, axe: object
) -> None:
    m = member(booking_app, TENANT, locale="en")
    day = open_day(booking_app, TENANT, "genkikan", after=21)
    full = slot(booking_app, TENANT, "genkikan", "multipurpose", day, "full")
    english(phone_page, live_server)
    phone_page.goto(live_server.url_for(f"/{TENANT}/account/login"))
    phone_page.locator("input[name=login]").fill(m.resident.login)
    phone_page.locator("input[name=password]").fill(PASSWORD)
    phone_page.locator("main button[type=submit]").last.click()
    phone_page.wait_for_url("**/account/**")
    phone_page.goto(live_server.url_for(f"/{TENANT}/book?slot={full}"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    check(phone_page, "form-phone")


def test_staff_booking_pages(
    booking_app: Flask, live_server: LiveServer, page: Page, axe: object
) -> None:
    m = member(booking_app, TENANT)
    day = open_day(booking_app, TENANT, "genkikan", after=22)
    target = slot(booking_app, TENANT, "genkikan", "kitchen", day, "pm")
    booking_id = book(booking_app, TENANT, m.group_id, [target])
    staff = make_staff(booking_app, TENANT, "counter")
    english(page, live_server)
    page.goto(live_server.url_for(f"/{TENANT}/manage/login"))
    page.locator("input[name=login]").fill(staff.login)
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.locator("input[name=code]").fill(fresh_code(booking_app, staff))
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/manage/")

    number = f"{booking_id:06d}"
    for path, name, title in (
        (f"bookings/?date={day.isoformat()}", "staff-day", r"Bookings of the day: .+"),
        ("bookings/counter?q=テスト", "staff-counter", r"Counter booking"),
        (f"bookings/counter/{m.group_id}?slot={target}", "staff-counter-book", r"Book for .+"),
        (f"bookings/{booking_id}", "staff-detail", rf"Booking \S*{number}\S*"),
        (f"bookings/{booking_id}/cancel", "staff-cancel", rf"Cancel booking \S*{number}\S*"),
        ("bookings/daily", "staff-daily", r"Daily processing list: .+"),
    ):
        response = page.goto(live_server.url_for(f"/{TENANT}/manage/{path}"))
        assert response is not None and response.status == 200, (path, response and response.status)
        heading = page.locator("main h1").inner_text().strip()
        assert re.fullmatch(title, heading), (path, heading)
        check(page, name)
