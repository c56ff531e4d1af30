"""Handlers under the ward's eye: appointing, re-roling or removing someone who may read
personal data mails the ward's privacy office (both languages, once per change) and shows
in the roster history on the ward console; counter staff changes do not mail (both
databases)."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from shisetsu.db import utcnow
from shisetsu.staff import operations as staff_ops
from shisetsu.tenancy.binding import tenant_session
from tests.support.accounts import mails_to
from tests.support.audit import signed_in_auditor, text
from tests.support.groups import signed_in_staff

TENANT = "genkikan"
OFFICE = "privacy-office@ward.example.jp"


@pytest.fixture
def office(any_app: Flask) -> str:
    any_app.config["WARD_NOTICE_EMAIL"] = OFFICE
    return OFFICE


def test_appointing_a_handler_through_the_staff_page_tells_the_ward(
    any_app: Flask, office: str
) -> None:
    client = any_app.test_client()
    signed_in_staff(client, any_app, TENANT, "responsible")
    login = f"new{uuid.uuid4().hex[:8]}"
    before = len(mails_to(any_app, TENANT, office))
    response = client.post(
        f"/{TENANT}/manage/staff/new",
        data={"login": login, "display_name": "新任 取扱者", "email": "", "role": "handler"},
    )
    assert response.status_code in (200, 302, 303)
    mails = mails_to(any_app, TENANT, office)[before:]
    assert len(mails) == 1
    (mail,) = mails
    assert "新任 取扱者" in mail.body and login in mail.body
    assert "取扱者" in mail.body and "Handler" in mail.body  # both languages
    assert mail.key.startswith("ward-notice:")

    auditor = any_app.test_client()
    signed_in_auditor(auditor, any_app)
    page = text(auditor.get(f"/ward/staff?slug={TENANT}"))
    history = page[page.index('id="history"') :]
    assert login in history and "新任 取扱者" in history
    assert "取扱者" in history and "added as" not in history
    overview = text(auditor.get("/ward/staff"))
    assert login in overview[overview.index("roster-changes") :]


def test_role_changes_and_removals_of_handlers_mail_once_each(any_app: Flask, office: str) -> None:
    with tenant_session(any_app, TENANT) as session:
        boss, _ = staff_ops.create_staff(
            session,
            login=f"b{uuid.uuid4().hex[:8]}",
            display_name="責任者",
            email=None,
            role="responsible",
        )
        handler, _ = staff_ops.create_staff(
            session,
            login=f"h{uuid.uuid4().hex[:8]}",
            display_name="取扱 一郎",
            email=None,
            role="handler",
        )
        session.commit()
        before = len(mails_to(any_app, TENANT, office))
        assert staff_ops.change_role(session, actor=boss, target=handler, role="counter")
        session.commit()
        assert not staff_ops.change_role(session, actor=boss, target=handler, role="counter")
        staff_ops.remove_staff(session, actor=boss, target=handler, now=utcnow())
        session.commit()
    mails = mails_to(any_app, TENANT, office)[before:]
    assert len(mails) == 1  # the removal of a counter clerk does not concern the ward
    assert "取扱者" in mails[0].body and "窓口" in mails[0].body


def test_counter_staff_and_no_address_mean_no_mail(any_app: Flask) -> None:
    any_app.config["WARD_NOTICE_EMAIL"] = OFFICE
    with tenant_session(any_app, TENANT) as session:
        before = len(mails_to(any_app, TENANT, OFFICE))
        staff_ops.create_staff(
            session,
            login=f"c{uuid.uuid4().hex[:8]}",
            display_name="窓口 花子",
            email=None,
            role="counter",
        )
        session.commit()
        assert len(mails_to(any_app, TENANT, OFFICE)) == before
        any_app.config["WARD_NOTICE_EMAIL"] = ""
        staff_ops.create_staff(
            session,
            login=f"h{uuid.uuid4().hex[:8]}",
            display_name="取扱 次郎",
            email=None,
            role="handler",
        )
        session.commit()
    assert len(mails_to(any_app, TENANT, OFFICE)) == before


def test_one_operators_history_is_not_anothers(any_app: Flask, office: str) -> None:
    login = f"g{uuid.uuid4().hex[:8]}"
    with tenant_session(any_app, TENANT) as session:
        staff_ops.create_staff(
            session, login=login, display_name="元気 取扱", email=None, role="handler"
        )
        session.commit()
    auditor = any_app.test_client()
    signed_in_auditor(auditor, any_app)
    assert login in text(auditor.get(f"/ward/staff?slug={TENANT}"))
    assert login not in text(auditor.get("/ward/staff?slug=regasu"))
    assert mails_to(any_app, "regasu", office) == []
