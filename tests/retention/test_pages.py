"""Retention pages: the ward's inventory and certificates (logged in the tenant), the
manager console's copy, the PDF, tenant walls; and the resident's own deletion: refusals,
a wrong password, and the happy path through the request job to a certificate.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from shisetsu.dates import add_months_clamped as add_months
from shisetsu.jobs.runner import run_in_app
from shisetsu.notify.models import OutboxMessage
from shisetsu.people.models import Account
from shisetsu.retention.jobs import PURGE_JOB, REQUEST_JOB
from shisetsu.retention.labels import executor
from shisetsu.retention.models import DeletionRequest
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import PASSWORD, make_staff, sign_in_as
from tests.support.audit import entries_after, last_id, signed_in_auditor
from tests.support.booking import pdf_text_chars
from tests.support.groups import make_approved, text, today_in_tokyo
from tests.support.retention import certificates, synthetic, traces


@pytest.fixture
def pg(request: pytest.FixtureRequest, any_app: Flask):  # type: ignore[no-untyped-def]
    """The PostgreSQL database when ``any_app`` runs on it (for the admin-side scan)."""
    if any_app.config["DATABASE_URL"]:
        return request.getfixturevalue("pg_database")
    return None


def purged_certificate(app: Flask, tenant: str) -> dict:  # type: ignore[type-arg]
    synthetic(app, tenant, ended=add_months(today_in_tokyo(), -13))
    assert run_in_app(app, tenant, PURGE_JOB)["certificate"]
    return certificates(app, tenant)[-1]


# --- ward ------------------------------------------------------------------------------


def test_ward_sees_inventory_and_certificates_logged_in_the_tenant(any_app: Flask) -> None:
    cert = purged_certificate(any_app, "genkikan")
    auditor = any_app.test_client()
    signed_in_auditor(auditor, any_app)
    home = text(auditor.get("/ward/"))
    assert 'href="/ward/privacy/genkikan/"' in home

    before = last_id(any_app, "genkikan")
    page = auditor.get("/ward/privacy/genkikan/")
    assert page.status_code == 200
    body = text(page)
    assert "代表者の氏名・住所・電話番号" in body and '<th scope="col"' in body
    assert "representative_name" not in body  # items in words; docs/privacy.md names columns
    assert cert["number"] in body
    detail = auditor.get(f"/ward/privacy/genkikan/certificates/{cert['id']}")
    assert detail.status_code == 200
    assert cert["hash"] in text(detail) and "✔" in text(detail)
    pdf = auditor.get(f"/ward/privacy/genkikan/certificates/{cert['id']}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert set(cert["number"]) | set("個人情報消去証明書令和") <= pdf_text_chars(pdf.data)
    assert cert["number"] in pdf.headers["Content-Disposition"]

    views = entries_after(any_app, "genkikan", before, actor_kind="auditor")
    assert {v.record_type for v in views} == {"personal_data_inventory", "deletion_certificate"}
    assert len(views) == 3


def test_ward_another_tenants_certificate_is_a_404(sqlite_app: Flask) -> None:
    cert = purged_certificate(sqlite_app, "genkikan")
    assert certificates(sqlite_app, "regasu") == []
    auditor = sqlite_app.test_client()
    signed_in_auditor(auditor, sqlite_app)
    for suffix in ("", ".pdf"):
        url = f"/ward/privacy/regasu/certificates/{cert['id']}{suffix}"
        assert auditor.get(url).status_code == 404
    assert auditor.get("/ward/privacy/nosuch/").status_code == 404
    assert auditor.get("/ward/privacy/genkikan/certificates/99999").status_code == 404


def test_ward_pages_need_an_auditor(any_app: Flask) -> None:
    client = any_app.test_client()
    sign_in_as(client, any_app, make_staff(any_app, "regasu", "responsible"))
    assert client.get("/ward/privacy/regasu/").status_code in (302, 403)


# --- manager console -------------------------------------------------------------------


def test_managers_see_their_certificates_and_not_anothers(sqlite_app: Flask) -> None:
    cert = purged_certificate(sqlite_app, "genkikan")
    client = sqlite_app.test_client()
    sign_in_as(client, sqlite_app, make_staff(sqlite_app, "genkikan", "responsible"))
    assert 'href="/genkikan/manage/privacy/"' in text(client.get("/genkikan/manage/"))
    listing = text(client.get("/genkikan/manage/privacy/"))
    assert cert["number"] in listing
    detail = client.get(f"/genkikan/manage/privacy/certificates/{cert['id']}")
    assert detail.status_code == 200 and cert["hash"] in text(detail)
    pdf = client.get(f"/genkikan/manage/privacy/certificates/{cert['id']}.pdf")
    assert pdf.data.startswith(b"%PDF")

    other = sqlite_app.test_client()
    sign_in_as(other, sqlite_app, make_staff(sqlite_app, "regasu", "responsible"))
    assert other.get(f"/regasu/manage/privacy/certificates/{cert['id']}").status_code == 404
    assert cert["number"] not in text(other.get("/regasu/manage/privacy/"))
    # The session is bound to its own tenant: another tenant's URL is no way in.
    assert client.get("/regasu/manage/privacy/").status_code in (302, 403)


def test_counter_staff_do_not_see_the_certificates(any_app: Flask) -> None:
    client = any_app.test_client()
    sign_in_as(client, any_app, make_staff(any_app, "regasu", "counter"))
    assert client.get("/regasu/manage/privacy/").status_code == 403


def test_certificate_list_is_paginated(sqlite_app: Flask) -> None:
    for months in range(13, 13 + 22):
        synthetic(sqlite_app, "regasu", ended=add_months(today_in_tokyo(), -months))
        run_in_app(sqlite_app, "regasu", PURGE_JOB)
    certs = certificates(sqlite_app, "regasu")
    assert len(certs) == 22
    client = sqlite_app.test_client()
    sign_in_as(client, sqlite_app, make_staff(sqlite_app, "regasu", "handler"))
    first = text(client.get("/regasu/manage/privacy/"))
    assert certs[-1]["number"] in first and certs[0]["number"] not in first
    assert 'rel="next"' in first
    second = text(client.get("/regasu/manage/privacy/?page=2"))
    assert certs[0]["number"] in second and 'rel="prev"' in second
    assert client.get("/regasu/manage/privacy/?page=zzz").status_code == 200
    huge = client.get("/regasu/manage/privacy/?page=" + "9" * 30)
    assert huge.status_code == 200 and 'rel="prev"' in text(huge)


# --- the resident's own deletion -------------------------------------------------------


def _resident_with_old_group(app: Flask, tenant: str):  # type: ignore[no-untyped-def]
    """A resident whose only group was withdrawn 20 days ago (not yet past the period)."""
    person = synthetic(app, tenant, ended=today_in_tokyo() - timedelta(days=20), status="withdrawn")
    client = app.test_client()
    sign_in_as(client, app, person.account)
    return person, client


def _status(app: Flask, tenant: str, account_id: int) -> str:
    with tenant_session(app, tenant) as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account.status


def test_self_deletion_closes_mails_and_is_erased_by_the_request_job(
    any_app: Flask,
    pg,  # type: ignore[no-untyped-def]
) -> None:
    person, client = _resident_with_old_group(any_app, "regasu")
    assert 'href="/regasu/account/delete/"' in text(client.get("/regasu/account/"))
    form = text(client.get("/regasu/account/delete/"))
    assert 'type="password"' in form and 'type="checkbox"' in form

    wrong = client.post("/regasu/account/delete/", data={"password": "not it", "confirm": "y"})
    assert wrong.status_code == 422 and _status(any_app, "regasu", person.account.id) == "active"
    unticked = client.post("/regasu/account/delete/", data={"password": PASSWORD})
    assert unticked.status_code == 422
    assert _status(any_app, "regasu", person.account.id) == "active"

    done = client.post("/regasu/account/delete/", data={"password": PASSWORD, "confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/delete/done")
    assert client.get("/regasu/account/delete/done").status_code == 200
    assert client.get("/regasu/account/").status_code == 302  # signed out
    assert _status(any_app, "regasu", person.account.id) == "closing"
    with tenant_session(any_app, "regasu") as session:
        mail = session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.idempotency_key == f"account-deletion:{person.account.id}"
            )
        )
        assert mail is not None and mail.to_address == person.account.email

    run_in_app(any_app, "regasu", "shisetsu.notify.jobs.relay_job")
    issued = run_in_app(any_app, "regasu", REQUEST_JOB)["certificates"]
    assert len(issued) == 1
    cert = certificates(any_app, "regasu")[-1]
    assert cert["number"] == issued[0] and cert["trigger"] == "request"
    assert f"resident #{person.account.id}" in cert["executed_by"]
    assert cert["subjects"] == {"groups": [person.group_id], "accounts": [person.account.id]}
    assert cert["counts"]["groups"] == 1 and cert["counts"]["accounts"] == 1
    assert cert["counts"]["bookings"] == 1 and cert["counts"]["mails"] >= 3
    assert traces(any_app, "regasu", person.needles, pg) == []
    assert _status(any_app, "regasu", person.account.id) == "deleted"
    with tenant_session(any_app, "regasu") as session:
        request = session.scalar(
            sa.select(DeletionRequest).where(DeletionRequest.account_id == person.account.id)
        )
        assert request is not None and request.state == "done"
        assert request.certificate_id == cert["id"]
    assert run_in_app(any_app, "regasu", REQUEST_JOB)["certificates"] == []


def test_the_request_waits_for_the_mail(sqlite_app: Flask) -> None:
    person, client = _resident_with_old_group(sqlite_app, "genkikan")
    client.post("/genkikan/account/delete/", data={"password": PASSWORD, "confirm": "y"})
    with tenant_session(sqlite_app, "genkikan") as session:
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.to_address == person.account.email)
            .values(sent_at=None, next_attempt_at=sa.func.current_timestamp())
        )
        session.commit()
    assert run_in_app(sqlite_app, "genkikan", REQUEST_JOB)["certificates"] == []
    assert _status(sqlite_app, "genkikan", person.account.id) == "closing"


def test_a_representative_of_a_registered_group_is_told_what_to_do(any_app: Flask) -> None:
    person, client = _resident_with_old_group(any_app, "regasu")
    today = today_in_tokyo()
    make_approved(
        any_app, "regasu", person.account.id, valid_from=today, valid_until=add_months(today, 12)
    )
    page = text(client.get("/regasu/account/delete/"))
    assert "Withdraw the group first" in page or "団体" in page
    assert 'type="password"' not in page
    refused = client.post("/regasu/account/delete/", data={"password": PASSWORD, "confirm": "y"})
    assert refused.status_code == 409
    assert _status(any_app, "regasu", person.account.id) == "active"
    with tenant_session(any_app, "regasu") as session:
        assert (
            session.scalar(
                sa.select(DeletionRequest).where(DeletionRequest.account_id == person.account.id)
            )
            is None
        )


def test_future_bookings_block_the_deletion(any_app: Flask) -> None:
    person = synthetic(
        any_app,
        "genkikan",
        ended=today_in_tokyo() - timedelta(days=20),
        status="withdrawn",
        booking_day=today_in_tokyo() + timedelta(days=5),
    )
    client = any_app.test_client()
    sign_in_as(client, any_app, person.account)
    refused = client.post("/genkikan/account/delete/", data={"password": PASSWORD, "confirm": "y"})
    assert refused.status_code == 409
    assert 'href="/genkikan/bookings/' in text(refused) or "booking" in text(refused).lower()
    assert _status(any_app, "genkikan", person.account.id) == "active"


def test_deletion_needs_a_signed_in_resident(any_app: Flask) -> None:
    client = any_app.test_client()
    assert client.get("/regasu/account/delete/").status_code == 302
    response = client.post("/regasu/account/delete/", data={"password": PASSWORD})
    assert response.status_code in (302, 400)


def test_a_resident_of_one_tenant_cannot_delete_in_another(any_app: Flask) -> None:
    person, client = _resident_with_old_group(any_app, "regasu")
    assert client.get("/genkikan/account/delete/").status_code == 302  # to genkikan's sign-in
    response = client.post("/genkikan/account/delete/", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code in (302, 400)
    assert _status(any_app, "regasu", person.account.id) == "active"


def test_who_carried_out_a_purge_is_said_in_words(sqlite_app: Flask) -> None:
    """The stored (hashed) executor stays as it is; pages and the PDF also say it in words."""
    with sqlite_app.test_request_context(), force_locale("en"):
        assert executor("shisetsu.retention.jobs.purge_job") == "The daily retention job"
        assert executor("cli:operator") == "The command line, by operator"
        own = "resident #7 (own request) via shisetsu.retention.jobs.request_job"
        assert executor(own) == "The erasure job, on the request of the person (account #7)"
        assert executor("something else") == "something else"
    with sqlite_app.test_request_context(), force_locale("ja"):
        assert executor("shisetsu.retention.jobs.purge_job") == "保存期間による日次の消去処理"
