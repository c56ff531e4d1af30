"""Every page of every role, from the URL map, answers 200 with its heading.

Each GET route is opened by everyone it admits (anonymous, a resident, each staff role,
a ward auditor; public pages by all of them), with its path filled from a small world of
real records. A page must answer 200 as HTML with a non-empty ``<h1>`` that is not an
error page's. What is not a page (files, feeds, redirects) or needs a record this world
does not make is listed below with its reason and the exact answer it must give; a route
in neither list is a page, so a route added later is checked by itself.
"""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing import Rule

from tests.support.matrix import API, PRINCIPALS, STAFF_ROLES, World, admitted, make_world

NOT_ROUTES_OF_THE_APP = {"static", "api-docs.openapi_json"}

# endpoint → (status, content type, why it is not a page with a heading)
NOT_PAGES = {
    "booking.booking_ics": (200, "text/calendar", "a booking as an iCalendar file"),
    "booking.permit": (200, "application/pdf", "the permit as a PDF"),
    "booking_manage.permit": (
        302,
        "text/html",
        "the permit is printed with the booking page's button",
    ),
    "retention_manage.certificate_pdf_view": (200, "application/pdf", "a certificate as a PDF"),
    "ward_privacy.certificate_pdf_view": (200, "application/pdf", "a certificate as a PDF"),
    "booking_manage.daily_csv": (302, "text/html", "a download from the daily list's form"),
    "booking_manage.daily_pdf": (302, "text/html", "a download from the daily list's form"),
    "lottery.verifier": (200, "text/x-python", "the engine as a script"),
    "lottery.bundle": (200, "application/json", "the verification bundle of a drawn round"),
    "portal.favicon": (204, "text/html", "no icon"),
    "portal.healthz": (200, "application/json", "the health check"),
    "portal.switch_language": (302, "text/html", "sets the language and goes back"),
    "lottery.pick": (303, "text/html", "a 抽 cell leads on to its round's entry page"),
    "groups.renew": (302, "text/html", "renewal opens only near the end of a registration"),
    "closures.preview": (302, "text/html", "needs a closure planned on the room page"),
    "staff.first_password": (302, "text/html", "only in the middle of a staff sign-in"),
    "staff.enrol": (302, "text/html", "only in the middle of a staff sign-in"),
    "staff.verify": (302, "text/html", "only in the middle of a staff sign-in"),
    "ward.first_password": (302, "text/html", "only in the middle of an auditor sign-in"),
    "ward.enrol": (302, "text/html", "only in the middle of an auditor sign-in"),
    "ward.verify": (302, "text/html", "only in the middle of an auditor sign-in"),
}
# endpoint → why the world has no record for it (the page answers 404, never a 500)
NEEDS_A_RECORD = {
    "accounts.reset": "a reset token from a mail (tests/accounts)",
    "accounts.verify": "a verification token from a mail (tests/accounts)",
    "booking.feed": "a calendar feed token (tests/booking)",
    "audit.finding": "an access-log finding (tests/audit)",
    "ward_audit.finding": "an access-log finding (tests/audit)",
    "exports.download": "an archive, downloaded once by the handler who made it (tests/exports)",
    "exports.made": "an archive's download link, shown once to who made it (tests/exports)",
    "exports.password": "an archive's password, shown once after a TOTP code (tests/exports)",
    "exports.dispose": "an export downloaded or printed (tests/exports/test_disposal)",
    "lottery_manage.request_page": "a staff request to act early (tests/lottery/test_early_pages)",
}
# Sign-in pages send whoever is already signed in there to their console.
SIGNED_IN_ELSEWHERE = {"staff.login": set(STAFF_ROLES), "ward.login": {"auditor"}}
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
ERROR_HEADING = re.compile(r"^(エラー|Error) \d{3}")


def get_rules(app: Flask) -> list[Rule]:
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if "GET" in (r.methods or ())
            and r.endpoint not in NOT_ROUTES_OF_THE_APP
            and not r.rule.startswith(API)
        ),
        key=lambda r: r.rule,
    )


def heading(html: str) -> str:
    found = HEADING.search(html)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else ""


def answer(world: World, who: str, path: str) -> str:
    """What a page answered, in a line: status, content type and heading."""
    response = world.client(who).get(path)
    html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    return f"{response.status_code} {response.mimetype} {heading(html)!r}"


def test_lists_name_routes_of_the_app(app: Flask) -> None:
    endpoints = {r.endpoint for r in get_rules(app)}
    listed = NOT_PAGES.keys() | NEEDS_A_RECORD.keys() | SIGNED_IN_ELSEWHERE.keys()
    assert listed - endpoints == set()
    assert NOT_PAGES.keys() & NEEDS_A_RECORD.keys() == set()


def test_every_page_of_every_role_answers_with_its_heading(app: Flask) -> None:
    world = make_world(app)
    problems = []
    opened = 0
    for rule in get_rules(app):
        path = world.path(rule)
        people = [who for who in PRINCIPALS if admitted(app, rule, who)]
        if rule.endpoint in NOT_PAGES:
            people = people[:1]  # a file is the same for everyone (PDFs take seconds)
        for who in people:
            got = answer(world, who, path)
            status, mimetype, title = got.split(" ", 2)
            if rule.endpoint in NOT_PAGES:
                want_status, want_type, _why = NOT_PAGES[rule.endpoint]
                ok = (int(status), mimetype) == (want_status, want_type)
            elif rule.endpoint in NEEDS_A_RECORD:
                ok = status == "404"
            elif who in SIGNED_IN_ELSEWHERE.get(rule.endpoint, ()):
                ok = status == "302"
            else:
                name = title.strip("'")
                ok = status == "200" and mimetype == "text/html" and bool(name)
                ok = ok and not ERROR_HEADING.match(name)
            if not ok:
                problems.append(f"{who} GET {path} → {got}")
            opened += 1
    assert problems == []
    assert opened > 150  # every role's pages, not a handful
