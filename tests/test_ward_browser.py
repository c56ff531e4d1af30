"""Chromium over the ward console (issue 6 §3 proof): an auditor signs in with a password
and a TOTP code through the real sign-in pages, opens the console home and every console
page it links for every operator (found by following the links), and axe finds nothing
serious or critical on any of them. The usage page is also checked at 390×844, where the
page itself must not scroll sideways (the heat map scrolls inside its own region).
Screenshots: tests/artifacts/ward-<page>.png.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.db import utcnow
from shisetsu.demo.lottery import seed_lottery
from shisetsu.extensions import db
from shisetsu.facilities.models import Room
from shisetsu.lottery import results, rounds
from shisetsu.people.models import Auditor
from shisetsu.slots.models import OFFICIAL, SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.apps import _dispose, make_app
from tests.fixtures.auth import TOTP_SECRET, make_staff
from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import LiveServer, shot
from tests.test_slots_support import open_weekday
from tests.test_staff_support import PASSWORD, Person, fresh_code, make_auditor

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

TENANTS = ("regasu", "genkikan")


@pytest.fixture
def app(sqlite_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """Both tenants on SQLite with CSRF on, some staff and a busy week in Genkikan."""
    instance = tmp_path / "instance"
    shutil.copytree(sqlite_template, instance)
    app = make_app(instance, WTF_CSRF_ENABLED=True)
    for slug in TENANTS:
        make_staff(app, slug, "responsible")
        make_staff(app, slug, "handler")
    busy_week(app)
    drawn_round(app)
    yield app
    _dispose(app)


def busy_week(app: Flask) -> None:
    """Official holds on every slot of Genkikan's rooms over five open days (next week)."""
    with tenant_session(app, "genkikan") as session:
        config = current_runtime().config
        day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)
        for _ in range(5):
            day = open_weekday(config, day, "genkikan")
            for room in session.scalars(sa.select(Room)):
                for code in ("am", "pm", "night"):
                    session.add(SlotHold(room_id=room.id, date=day, slot_code=code, kind=OFFICIAL))
        session.commit()


def drawn_round(app: Flask) -> None:
    """Regasu's demo lottery round with its synthetic entries, closed and drawn."""
    seed_lottery(app, "regasu", PASSWORD)
    with tenant_session(app, "regasu") as session:
        (rnd,) = rounds.list_rounds(session)
        rounds.close_round(session, rnd, now=utcnow())
        results.draw_round(session, current_runtime(), rnd, now=utcnow())
        session.commit()


def auditor_with_fixture_secret(app: Flask) -> Person:
    """An auditor enrolled with the fixtures' TOTP secret (what the authenticator shows)."""
    person = make_auditor(app)
    with app.app_context():
        db.session.execute(
            sa.update(Auditor).where(Auditor.id == person.id).values(totp_secret=TOTP_SECRET)
        )
        db.session.commit()
    return Person(person.id, person.login, TOTP_SECRET)


def submit(page: Page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f'main form[action*="{action}"] button[type="submit"]').click()


def sign_in(page: Page, server: LiveServer, app: Flask, auditor: Person) -> None:
    """Password, then the authenticator's code, through the real pages."""
    page.goto(server.url_for("/ward/login"))
    page.locator("main #login").fill(auditor.login)
    page.locator("main #password").fill(PASSWORD)
    submit(page, "/ward/login")
    page.locator("main #code").fill(fresh_code(app, auditor))
    submit(page, "/ward/verify")
    assert urlsplit(page.url).path == "/ward/", page.url


def label_of(url: str) -> str:
    """A screenshot name for a console URL, e.g. ``usage-regasu``."""
    parts = urlsplit(url)
    slug = re.search(r"slug=(\w+)", parts.query)
    name = parts.path.strip("/").removeprefix("ward").strip("/").replace("/", "-") or "home"
    return f"{name}-{slug.group(1)}" if slug else name


def check(page: Page, server: LiveServer, url: str) -> None:
    """Open ``url``: 200, axe clean of serious and critical problems, a screenshot."""
    response = page.goto(url if url.startswith("http") else server.url_for(url))
    assert response is not None and response.status == 200, (url, response and response.status)
    assert_accessible(page)
    shot(page, f"ward-{label_of(page.url)}")


def console_links(page: Page, where: str) -> list[str]:
    """Every console page the home page links in ``where`` (absolute URLs)."""
    hrefs = page.eval_on_selector_all(f"main {where} a[href]", "links => links.map(a => a.href)")
    return list(dict.fromkeys(hrefs))


def test_the_auditor_walks_the_console(
    app: Flask, live_server: LiveServer, page: Page, phone_page: Page, axe: Path
) -> None:
    sign_in(page, live_server, app, auditor_with_fixture_secret(app))
    check(page, live_server, "/ward/")
    links = console_links(page, ".tenants .card li")
    for slug in TENANTS:
        mine = [u for u in links if f"slug={slug}" in u or u.rstrip("/").endswith(f"/{slug}")]
        assert any("/ward/usage" in u for u in mine) and any("/ward/staff" in u for u in mine)
        assert len(mine) >= 6, mine
    across = console_links(page, ".across")
    assert {urlsplit(u).path for u in across} >= {"/ward/usage", "/ward/staff"}
    for url in links + across:
        check(page, live_server, url)
    # The busy week shows as a darker cell, its figure printed.
    page.goto(live_server.url_for("/ward/usage?slug=genkikan"))
    assert page.locator("table.heatmap td.heat-0").count() > 0
    assert page.locator("table.heatmap td.heat .pct").first.inner_text().endswith("%")
    # Regasu's drawn round gives the win-rate chart, each bar with its figure.
    page.goto(live_server.url_for("/ward/usage?slug=regasu"))
    assert page.locator("ul.bars li").count() >= 1
    assert "%" in page.locator("ul.bars .bar-value").first.inner_text()

    # On a phone, signed in with the same session.
    phone_page.context.add_cookies(page.context.cookies())
    for url in ("/ward/usage?slug=regasu", "/ward/usage"):
        response = phone_page.goto(live_server.url_for(url))
        assert response is not None and response.status == 200
        assert_accessible(phone_page)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} scrolls sideways: {width}px"
        shot(phone_page, f"ward-phone-{label_of(phone_page.url)}")
