"""Printing: permits, lottery results and daily lists print cleanly on A4.

Chromium prints the pages with the print stylesheet (navigation, footer and buttons hidden,
content kept) to an A4 PDF of a sane length; the WeasyPrint PDFs (permit, daily list) have
A4 pages (595×842 pt, the daily list in landscape).
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask

from shisetsu.booking.exports import daily_list
from shisetsu.booking.printing import daily_pdf
from shisetsu.tenancy.binding import find_tenant
from tests.fixtures.auth import Ref, login_as, make_staff, sign_in_as
from tests.fixtures.browser import LiveServer, shot
from tests.support.booking import (
    book,
    bound,
    member,
    open_day,
    open_days,
    pdf_text_chars,
    slot,
    today,
)
from tests.support.lottery import CLOSE, DRAW, enter, group, lottery_slot_ids, open_round, step

if TYPE_CHECKING:
    from playwright.sync_api import Page

TENANT = "genkikan"
A4 = (595.28, 841.89)
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def _pdf_blobs(pdf: bytes) -> Iterator[bytes]:
    """The PDF itself, then every stream that inflates (object streams hide page dicts)."""
    yield pdf
    for body in STREAM.findall(pdf):
        with contextlib.suppress(zlib.error):
            yield zlib.decompress(body)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height in points of every MediaBox in ``pdf``."""
    sizes = []
    for blob in _pdf_blobs(pdf):
        for x0, y0, x1, y1 in MEDIA_BOX.findall(blob):
            sizes.append((float(x1) - float(x0), float(y1) - float(y0)))
    return sizes


def page_count(pdf: bytes) -> int:
    return sum(len(PAGE.findall(blob)) for blob in _pdf_blobs(pdf))


def assert_a4(pdf: bytes, *, landscape: bool = False) -> None:
    assert pdf.startswith(b"%PDF")
    sizes = page_sizes(pdf)
    assert sizes, "no MediaBox found"
    want = A4[::-1] if landscape else A4
    for width, height in sizes:
        assert abs(width - want[0]) <= 1 and abs(height - want[1]) <= 1, (width, height)


def test_the_pdf_readers_see_pages_and_sizes() -> None:
    fake = b"%PDF-1.7\n1 0 obj << /Type /Pages /Kids [2 0 R] >>\n2 0 obj << /Type /Page "
    fake += b"/MediaBox [0 0 595.28 841.89] >>\n"
    assert page_count(fake) == 1 and page_sizes(fake) == [A4]
    assert_a4(fake)
    with pytest.raises(AssertionError):
        assert_a4(fake.replace(b"841.89", b"792"))  # US Letter is not A4


@pytest.fixture
def print_app(app: Flask) -> Flask:
    return app


def signed_in(page: Page, live_server: LiveServer, app: Flask, ref: Ref) -> None:
    """Give the browser the session cookie of ``ref`` (sign-in itself is tested elsewhere)."""
    client = app.test_client()
    login_as(client, app, ref.kind, ref.tenant, ref)
    cookie = client.get_cookie("session")
    assert cookie is not None
    page.context.add_cookies([{"name": "session", "value": cookie.value, "url": live_server.url}])


def prints_cleanly(page: Page, name: str, *, max_pages: int = 3) -> bytes:
    """Print media: page furniture hidden, the heading shown; the A4 PDF is short."""
    page.emulate_media(media="print")
    assert page.locator("h1").first.is_visible()
    for hidden in (".site-header nav", ".site-footer", "main nav", "main form", "button"):
        for element in page.locator(hidden).all():
            assert not element.is_visible(), f"{hidden} is printed on {name}"
    color = page.evaluate(
        "getComputedStyle(document.querySelector('main a') || document.body).color"
    )
    assert color in ("rgb(0, 0, 0)", "rgba(0, 0, 0, 1)")
    shot(page, f"print-{name}")
    pdf = page.pdf(format="A4", print_background=False)
    assert_a4(pdf)
    assert 1 <= page_count(pdf) <= max_pages
    page.emulate_media(media="screen")
    return pdf


@pytest.mark.browser
def test_booking_page_prints(print_app: Flask, live_server: LiveServer, page: Page) -> None:
    m = member(print_app, TENANT)
    day = open_day(print_app, TENANT, "genkikan", after=21)
    booking_id = book(
        print_app, TENANT, m.group_id, [slot(print_app, TENANT, "genkikan", "kitchen", day, "am")]
    )
    signed_in(page, live_server, print_app, m.resident)
    page.goto(live_server.url_for(f"/{TENANT}/bookings/{booking_id}"))
    assert page.locator(".site-header nav").first.is_visible()  # on screen it is there
    prints_cleanly(page, "booking")
    assert page.locator(".facts").is_visible()


@pytest.mark.browser
def test_lottery_results_print(app: Flask, live_server: LiveServer, page: Page) -> None:
    rid = open_round(app, TENANT)
    s1, s2 = lottery_slot_ids(app, TENANT, rid, 2)
    resident, gid = group(app, TENANT)
    _, other = group(app, TENANT)
    enter(app, TENANT, rid, gid, [[s1], [s2]])
    enter(app, TENANT, rid, other, [[s1]])
    step(app, TENANT, CLOSE)
    step(app, TENANT, DRAW)
    signed_in(page, live_server, app, resident)
    page.goto(live_server.url_for(f"/{TENANT}/lottery/"))
    prints_cleanly(page, "lottery-mine")
    page.goto(live_server.url_for(f"/{TENANT}/lottery/rounds/{rid}"))
    prints_cleanly(page, "lottery-round", max_pages=4)


@pytest.mark.browser
def test_daily_list_prints_through_its_button(
    print_app: Flask, live_server: LiveServer, page: Page
) -> None:
    for day in open_days(print_app, TENANT, "genkikan", 3, after=23):
        m = member(print_app, TENANT)
        book(
            print_app,
            TENANT,
            m.group_id,
            [slot(print_app, TENANT, "genkikan", "kitchen", day, "pm")],
        )
    staff = make_staff(print_app, TENANT, "counter")
    signed_in(page, live_server, print_app, staff)
    page.goto(live_server.url_for(f"/{TENANT}/manage/bookings/daily?date={today().isoformat()}"))
    assert page.locator("table.bookings tbody tr").count() == 3
    assert not page.locator(".print-only").is_visible()
    # The browser's own print shows only the note pointing to the button: the groups'
    # names reach paper only through the recorded print.
    page.emulate_media(media="print")
    assert page.locator(".print-only").is_visible()
    assert not page.locator("table.bookings").is_visible()
    assert not page.locator("h1").first.is_visible()
    page.emulate_media(media="screen")
    # Chromium shows a PDF in its viewer; the route keeps the bytes the server sent to
    # the form the browser submitted (its cookie and CSRF token).
    printed: list[tuple[int, str, bytes]] = []

    def keep(route: Any) -> None:
        answer = route.fetch()
        printed.append((answer.status, answer.headers["content-type"], answer.body()))
        route.fulfill(response=answer)

    page.route("**/manage/print/daily", keep)
    with page.expect_response(lambda r: r.url.endswith("/manage/print/daily")):
        page.get_by_role("button", name="この一覧を印刷する（PDF）").click()
    ((status, kind, pdf),) = printed
    assert status == 200 and kind == "application/pdf"
    assert_a4(pdf, landscape=True)
    chars = pdf_text_chars(pdf)
    assert set("印刷者管理簿番号") <= chars  # the footer: who printed it, its ledger number
    assert set(staff.login) <= chars
    assert set("シュレッダー") <= chars  # what to do with the paper


def test_weasyprint_permit_and_daily_list_are_a4(print_app: Flask) -> None:
    m = member(print_app, TENANT)
    day = open_day(print_app, TENANT, "genkikan", after=26)
    booking_id = book(
        print_app, TENANT, m.group_id, [slot(print_app, TENANT, "genkikan", "kitchen", day, "am")]
    )
    resident = print_app.test_client()
    sign_in_as(resident, print_app, m.resident)
    permit = resident.get(f"/{TENANT}/bookings/{booking_id}/permit.pdf")
    assert permit.status_code == 200
    assert_a4(permit.data)
    assert page_count(permit.data) == 1

    # The daily list's files are encrypted exports now; its PDF is checked as rendered.
    with print_app.test_request_context(f"/{TENANT}/"), bound(print_app, TENANT) as (session, rt):
        tenant = find_tenant(TENANT)
        assert tenant is not None
        daily = daily_list(session, rt.config, today())
        assert daily.rows
        pdfs = {lang: daily_pdf(rt.config, tenant, daily, lang) for lang in ("ja", "en")}
    for pdf in pdfs.values():
        assert_a4(pdf, landscape=True)
        assert page_count(pdf) >= 1
