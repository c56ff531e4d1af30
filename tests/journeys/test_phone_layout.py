"""On a phone (390 × 844, Chromium): every resident page reads without zooming.

Three things are measured on each page, not eyeballed: no table cell is narrower than two
characters of its own text (a cell that wraps a word one character per line); the page
never scrolls sideways, and a region that does (the month grid) says so where it begins;
buttons, form controls and the header's links are at least 44 × 44 CSS pixels. axe
checks each page as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from flask import Flask

from tests.fixtures.auth import PASSWORD
from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import LiveServer, shot
from tests.support.booking import book, member, open_day, slot
from tests.support.slots import room_id

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
TENANT = "genkikan"

# What the page measures; each entry is one problem a reader would meet.
MEASURE = """() => {
  const problems = [];
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  for (const cell of document.querySelectorAll("main td, main th")) {
    const text = cell.innerText.trim();
    if (!shown(cell) || [...text].length < 2) continue;
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (inner < 2 * parseFloat(style.fontSize)) {
      problems.push(`cell too narrow (${Math.round(inner)}px): ${text.slice(0, 24)}`);
    }
  }
  const targets = "main button, main select, header nav a, header button, main input"
    + ":not([type=hidden]):not([type=checkbox]):not([type=radio])";
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 43.5 || r.width < 43.5) {
      const name = (el.innerText || el.value || el.name || el.tagName).trim().slice(0, 24);
      problems.push(`target too small (${Math.round(r.width)}×${Math.round(r.height)}): ${name}`);
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth) {
    problems.push(`page scrolls sideways (${document.documentElement.scrollWidth}px)`);
  }
  for (const region of document.querySelectorAll(".table-scroll, .grid-scroll")) {
    if (!shown(region) || region.scrollWidth <= region.clientWidth + 1) continue;
    const hint = region.querySelector(".scroll-hint")
      || (region.previousElementSibling?.classList.contains("scroll-hint")
          ? region.previousElementSibling : null);
    if (!hint || !shown(hint)) {
      problems.push(`sideways region without a hint: ${region.getAttribute("aria-labelledby")}`);
    }
  }
  return problems;
}"""


def test_resident_pages_read_on_a_phone(
    app: Flask, live_server: LiveServer, phone_page: Page, axe: object
) -> None:
    m = member(app, TENANT)
    day = open_day(app, TENANT, "genkikan", after=21)
    target = slot(app, TENANT, "genkikan", "multipurpose", day, "pm")
    booking_id = book(app, TENANT, m.group_id, [target])
    room = room_id(app, TENANT, "genkikan", "multipurpose")
    page = phone_page
    page.goto(live_server.url_for(f"/{TENANT}/account/login"))
    page.locator("input[name=login]").fill(m.resident.login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").last.click()
    page.wait_for_url("**/account/**")
    problems = {}
    for name, path in (
        ("account", "account/"),
        ("bookings", "bookings/"),
        ("booking", f"bookings/{booking_id}"),
        ("groups", "groups/"),
        ("group", f"groups/{m.group_id}"),
        ("home", ""),
        ("room", f"rooms/{room}"),
        ("month", f"rooms/{room}/availability?month={day:%Y-%m}"),
        ("search", f"availability?date={day.isoformat()}"),
        ("slot", f"slots/{target}"),
        ("book", f"book?slot={slot(app, TENANT, 'genkikan', 'kitchen', day, 'am')}"),
        ("lottery", "lottery/"),
    ):
        response = page.goto(live_server.url_for(f"/{TENANT}/{path}"))
        assert response is not None and response.status == 200, path
        shot(page, f"phone-{name}")
        assert_accessible(page)
        found = page.evaluate(MEASURE)
        if found:
            problems[path] = found
    listed = "\n".join(f"{path}: {p}" for path, found in problems.items() for p in found)
    assert not problems, listed
