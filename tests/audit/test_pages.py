"""The audit pages: the operator's findings and incident register, the ward's findings
(with review), incidents and access-log search, and the walls between tenants (both
databases)."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask import Flask

from shisetsu import audit
from shisetsu.audit.analysis import AnalysisConfig, analyse
from shisetsu.audit.models import FindingReview, Incident
from shisetsu.extensions import db
from shisetsu.tenancy.binding import tenant_session
from tests.support.audit import (
    add_entry,
    entries_after,
    last_id,
    make_auditor_with_email,
    signed_in_auditor,
    text,
    utc,
)
from tests.support.groups import mails, signed_in_staff


def make_finding(app: Flask, slug: str, day: date) -> int:
    """An export finding of ``slug`` on ``day``; returns its id."""
    with tenant_session(app, slug) as session:
        add_entry(
            session,
            audit.EXPORT,
            at=utc(day.year, day.month, day.day, 3),
            actor_id=99,
            label=f"exporter-{slug}-{day.isoformat()}",
        )
        (finding,) = analyse(session, day, AnalysisConfig())
        session.commit()
        return finding.id


def report(client, slug: str = "regasu", **overrides: str):  # type: ignore[no-untyped-def]
    data = {
        "summary": "A member list was left on the counter",
        "occurred_on": "2031-04-02",
        "occurred_time": "14:30",
        "data_affected": "Representatives' names and phone numbers of three groups",
        "people_affected": "3",
        "description": "Found by a colleague after ten minutes.",
        **overrides,
    }
    return client.post(f"/{slug}/manage/audit/incidents/new", data=data)


def test_managers_see_their_findings_counter_staff_do_not(any_app: Flask) -> None:
    finding_id = make_finding(any_app, "regasu", date(2031, 4, 1))
    handler = any_app.test_client()
    signed_in_staff(handler, any_app, "regasu", "handler")
    listing = handler.get("/regasu/manage/audit/findings/")
    assert listing.status_code == 200
    assert "exporter-regasu-2031-04-01" in text(listing)
    assert handler.get(f"/regasu/manage/audit/findings/{finding_id}").status_code == 200
    counter = any_app.test_client()
    signed_in_staff(counter, any_app, "regasu", "counter")
    assert counter.get("/regasu/manage/audit/findings/").status_code == 403
    assert counter.get("/regasu/manage/audit/incidents/").status_code == 200


def test_another_tenants_finding_or_incident_is_a_404(any_app: Flask) -> None:
    theirs = make_finding(any_app, "genkikan", date(2031, 4, 3))
    ours = make_finding(any_app, "regasu", date(2031, 4, 4))
    staff = any_app.test_client()
    signed_in_staff(staff, any_app, "genkikan", "responsible")
    incident = re.search(r"/incidents/(\d+)$", report(staff, "genkikan").headers["Location"])
    assert incident
    handler = any_app.test_client()
    signed_in_staff(handler, any_app, "regasu", "handler")
    with tenant_session(any_app, "regasu") as session:
        top = session.scalar(sa.select(sa.func.max(Incident.id))) or 0
    missing = max(theirs, ours, int(incident.group(1)), top) + 1000
    assert handler.get(f"/regasu/manage/audit/findings/{missing}").status_code == 404
    assert handler.get(f"/regasu/manage/audit/incidents/{missing}").status_code == 404
    # The ward addresses a finding by tenant: the wrong tenant's slug is a 404 too.
    auditor = any_app.test_client()
    signed_in_auditor(auditor, any_app)
    assert auditor.get(f"/ward/audit/findings/genkikan/{theirs}").status_code == 200
    assert auditor.get(f"/ward/audit/findings/regasu/{missing}").status_code == 404
    assert auditor.get(f"/ward/audit/incidents/nosuch/{incident.group(1)}").status_code == 404
    assert auditor.get("/ward/audit/findings?slug=nosuch").status_code == 404


def test_an_incident_reaches_the_ward_at_once(any_app: Flask) -> None:
    _, email = make_auditor_with_email(any_app)
    staff = any_app.test_client()
    reporter = signed_in_staff(staff, any_app, "regasu", "counter")
    assert staff.get("/regasu/manage/audit/incidents/new").status_code == 200
    before = last_id(any_app, "regasu")
    response = report(staff)
    assert response.status_code == 302
    number = int(response.headers["Location"].rsplit("/", 1)[1])
    shown = text(staff.get(response.headers["Location"]))
    assert "A member list was left on the counter" in shown and "2031年4月2日(水) 14:30" in shown
    (logged,) = entries_after(any_app, "regasu", before, action="incident_report")
    assert logged.actor_id == reporter.id and logged.record_id == str(number)

    sent = [m for m in mails(any_app, "regasu", f"incident:{number}:") if m.to_address == email]
    assert len(sent) == 1
    assert f"/ward/audit/incidents/regasu/{number}" in sent[0].body_text
    assert "phone numbers" not in sent[0].body_text  # details stay behind the console

    auditor = any_app.test_client()
    signed_in_auditor(auditor, any_app)
    before = last_id(any_app, "regasu")
    listing = text(auditor.get("/ward/audit/incidents"))
    assert "A member list was left on the counter" in listing
    detail = auditor.get(f"/ward/audit/incidents/regasu/{number}")
    assert detail.status_code == 200 and "three groups" in text(detail)
    views = entries_after(any_app, "regasu", before, actor_kind="auditor")
    assert [(v.action, v.record_type) for v in views] == [
        ("view", "incidents"),
        ("view", "incident"),
    ]


def test_incident_form_errors(any_app: Flask) -> None:
    staff = any_app.test_client()
    signed_in_staff(staff, any_app, "regasu", "handler")
    response = report(staff, summary="", occurred_on="")
    assert response.status_code == 200 and "error-summary" in text(response)


def test_the_ward_reviews_a_finding_once(any_app: Flask) -> None:
    finding_id = make_finding(any_app, "genkikan", date(2031, 4, 5))
    auditor = any_app.test_client()
    ref = signed_in_auditor(auditor, any_app)
    before = last_id(any_app, "genkikan")
    listing = auditor.get("/ward/audit/findings?state=all")
    assert listing.status_code == 200 and "exporter-genkikan-2031-04-05" in text(listing)
    # Reading each tenant's findings is logged in that tenant's log.
    (seen,) = entries_after(any_app, "genkikan", before, actor_kind="auditor")
    assert seen.actor_id == ref.id and seen.record_type == "audit_findings"

    url = f"/ward/audit/findings/genkikan/{finding_id}"
    assert 'name="comment"' in text(auditor.get(url))
    assert auditor.post(f"{url}/review", data={"comment": ""}).status_code == 422
    platform_before = last_id(any_app, None)
    done = auditor.post(f"{url}/review", data={"comment": "Asked the operator why."})
    assert done.status_code == 302
    with any_app.app_context():
        review = db.session.scalar(
            sa.select(FindingReview).where(
                FindingReview.tenant_slug == "genkikan", FindingReview.finding_id == finding_id
            )
        )
        assert review is not None and review.auditor_id == ref.id
        assert review.comment == "Asked the operator why."
        db.session.remove()
    (logged,) = entries_after(any_app, None, platform_before, action="review")
    assert logged.record_id == f"genkikan:{finding_id}"
    again = auditor.post(f"{url}/review", data={"comment": "Twice?"}, follow_redirects=True)
    assert again.status_code == 200
    assert "Asked the operator why." in text(again) and "Twice?" not in text(again)
    assert 'name="comment"' not in text(auditor.get(url))
    open_ones = text(auditor.get("/ward/audit/findings?slug=genkikan"))
    assert "exporter-genkikan-2031-04-05" not in open_ones
    reviewed = text(auditor.get("/ward/audit/findings?slug=genkikan&state=reviewed"))
    assert "exporter-genkikan-2031-04-05" in reviewed

    # The operator sees the ward's comment on its own finding page.
    manager = any_app.test_client()
    signed_in_staff(manager, any_app, "genkikan", "responsible")
    assert "Asked the operator why." in text(
        manager.get(f"/genkikan/manage/audit/findings/{finding_id}")
    )


def test_the_ward_searches_an_access_log(any_app: Flask) -> None:
    auditor = any_app.test_client()
    ref = signed_in_auditor(auditor, any_app)
    with tenant_session(any_app, "regasu") as session:
        add_entry(session, audit.VIEW, at=utc(2031, 4, 6, 1), label="needle-person")
        session.commit()
    before = last_id(any_app, "regasu")
    found = auditor.get("/ward/audit/access-log/regasu?actor=needle-person&action=view")
    assert found.status_code == 200 and "needle-person" in text(found)
    none = auditor.get("/ward/audit/access-log/regasu?actor=needle-person&action=export")
    assert none.status_code == 200 and 'class="access-log"' not in text(none)
    logged = entries_after(any_app, "regasu", before, actor_kind="auditor")
    assert [(e.record_type, e.detail) for e in logged] == [("access_log", "search")] * 2
    assert {e.actor_id for e in logged} == {ref.id}
    with any_app.app_context():
        audit.record(db.session(), audit.LOGIN_SUCCESS, "auditor", ref.id, detail="needle-platform")
        db.session.commit()
        db.session.remove()
    platform = auditor.get("/ward/audit/access-log/platform")
    assert platform.status_code == 200 and "needle-platform" in text(platform)
    assert auditor.get("/ward/audit/access-log/nosuch").status_code == 404
    assert auditor.get("/ward/audit/access-log/regasu?since=notadate").status_code == 200


def test_ward_home_links_the_audit_pages(any_app: Flask) -> None:
    auditor = any_app.test_client()
    signed_in_auditor(auditor, any_app)
    home = text(auditor.get("/ward/"))
    for path in (
        "/ward/audit/access-log/regasu",
        "/ward/audit/findings?slug=regasu",
        "/ward/audit/incidents?slug=genkikan",
    ):
        assert path in home


def test_staff_and_residents_cannot_open_ward_pages(any_app: Flask) -> None:
    staff = any_app.test_client()
    signed_in_staff(staff, any_app, "regasu", "responsible")
    for path in ("/ward/audit/findings", "/ward/audit/incidents", "/ward/audit/access-log/regasu"):
        response = staff.get(path)
        assert response.status_code == 302 and "/ward/login" in response.headers["Location"]
