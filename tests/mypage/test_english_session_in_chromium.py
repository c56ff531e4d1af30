"""In Chromium, at 1280×900 and 390×844: an English session stays English through sign-in,
booking, the permit (its PDF text) and the confirmation mail (real SMTP); My page shows the
upcoming booking, its unpaid fee with the deadline, and a lottery win awaiting confirmation.
axe-core checks every page; screenshots land in tests/artifacts/mypage-<viewport>-NN-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask

from shisetsu.dates import format_deadline, last_moment
from tests.booking.test_permit_languages import _titles
from tests.fixtures.auth import PASSWORD
from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import LiveServer, shot
from tests.fixtures.mail import SmtpSink
from tests.support.accounts import account_row
from tests.support.booking import member, open_day, pdf_text_chars, slot
from tests.support.lottery import (
    CLOSE,
    DRAW,
    enter,
    lottery_slot_ids,
    open_round,
    round_row,
    step,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
IMPACTS = ("moderate", "serious", "critical")


@pytest.fixture
def sink(app: Flask) -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        app.config["SMTP_URL"] = server.url
        yield server


class Walk:
    """Numbered screenshots and an axe check of every page of one walk."""

    def __init__(self, page: Page, viewport: str) -> None:
        self.page, self.viewport, self.step = page, viewport, 0

    def check(self, name: str) -> None:
        self.step += 1
        assert self.page.locator("html").get_attribute("lang") == "en", self.page.url
        shot(self.page, f"mypage-{self.viewport}-{self.step:02d}-{name}")
        assert_accessible(self.page, impacts=IMPACTS)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_an_english_session_stays_english(
    app: Flask, live_server: LiveServer, browser: Browser, axe: Any, sink: SmtpSink, viewport: str
) -> None:
    m = member(app, "regasu", locale="ja")  # stored Japanese: the choice in the browser wins
    rid = open_round(app, "regasu")
    (won,) = lottery_slot_ids(app, "regasu", rid, 1)
    enter(app, "regasu", rid, m.group_id, [[won]])
    step(app, "regasu", CLOSE)
    step(app, "regasu", DRAW)
    day = open_day(app, "regasu", "history-museum")
    am = slot(app, "regasu", "history-museum", "auditorium", day, "am")

    context = browser.new_context(locale="ja-JP", **VIEWPORTS[viewport])
    try:
        page = context.new_page()
        walk = Walk(page, viewport)
        page.goto(live_server.url_for("/regasu/"))
        page.get_by_role("link", name="English", exact=True).click()
        page.goto(live_server.url_for("/regasu/account/login"))
        walk.check("sign-in")
        page.get_by_label("Login ID or email address").fill(m.resident.login)
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/regasu/account/$"))
        walk.check("my-page-before")
        assert account_row(app, "regasu", m.resident.login).locale == "en"
        main = page.locator("main")
        assert "Confirm or decline your lottery win" in main.inner_text()
        assert won not in main.inner_text()  # named by facility, room, date and time band

        page.goto(live_server.url_for(f"/regasu/slots/{am}"))
        walk.check("slot")
        assert "after signing in" not in main.inner_text()
        page.get_by_role("link", name="Book this time slot").click()
        walk.check("book")
        page.get_by_label("Number of people").fill("30")
        page.get_by_label("Purpose of use").fill("Choir practice")
        page.get_by_role("button", name="Book", exact=True).click()
        page.wait_for_url(re.compile(r"/regasu/bookings/\d+$"))
        walk.check("booking")
        booking_id = int(page.url.rsplit("/", 1)[1])
        assert "Shinjuku Historical Museum Auditorium" in main.inner_text()

        pdf = page.request.get(live_server.url_for(f"/regasu/bookings/{booking_id}/permit.pdf"))
        assert pdf.status == 200
        assert any(re.fullmatch(r"Permit of use No\. \d{6}", t) for t in _titles(pdf.body()))
        assert not set("使用承認書令和") & pdf_text_chars(pdf.body())

        page.goto(live_server.url_for("/regasu/account/"))
        walk.check("my-page-after")
        text = main.inner_text()
        assert f"Pay ¥2,000 for booking {booking_id:06d}" in text  # 午前 weekday
        assert "Pay at the facility's counter until " in text
        deadline = round_row(app, "regasu", rid)["confirm_deadline"]
        assert f"Confirm {format_deadline(last_moment(deadline), 'en')}; a win" in text
        assert re.search(r"lottery win: [^\n]+ Fee: ¥[0-9,]+\.", text)
        assert "Upcoming bookings" in text and f"{day:%Y-%m-%d}" in text
    finally:
        context.close()

    mails = [
        message
        for message in sink.messages()
        if message["To"] == m.contact_email and "Booking confirmed" in str(message["Subject"])
    ]
    assert len(mails) == 1
    body = mails[0].get_content()
    assert "Your booking is confirmed." in body
    assert "Room: Shinjuku Historical Museum Auditorium" in body
    assert am not in body
