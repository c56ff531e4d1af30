"""Staff review of group applications (本登録), on both databases.

Staff record the document check, approve (the plugins are asked again with the verified
counts) or reject with a reason; the applicant is mailed in their language, once per
decision. Counter staff may look a group up but not review it; another tenant's group id
is a 404, and on PostgreSQL the database itself refuses the other tenant's table.
"""

from __future__ import annotations

import html
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from shisetsu.dates import add_months_clamped as add_months
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import Ref, sign_in_as
from tests.support.groups import (
    apply,
    groups_of,
    mails,
    make_group,
    new_group_id,
    signed_in_resident,
    signed_in_staff,
    text,
    today_in_tokyo,
)


def applied(
    app: Flask, tenant: str = "genkikan", *, locale: str = "ja", **fields: str
) -> tuple[Ref, int]:
    """A resident who has just applied: (their account, the new group's id)."""
    client = app.test_client()
    resident = signed_in_resident(client, app, tenant, locale=locale)
    return resident, new_group_id(apply(client, tenant, **fields))


def verify(
    staff: FlaskClient, group_id: int, members: int, residents: int, tenant: str = "genkikan"
) -> TestResponse:
    return staff.post(
        f"/{tenant}/manage/groups/{group_id}/verify",
        data={"verified_member_count": str(members), "verified_resident_count": str(residents)},
    )


@pytest.mark.parametrize("role", ["handler", "responsible"])
def test_approval_registers_the_group_and_mails_the_applicant(any_app: Flask, role: str) -> None:
    resident, group_id = applied(any_app, locale="en")
    staff = any_app.test_client()
    reviewer = signed_in_staff(staff, any_app, "genkikan", role)

    page = text(staff.get(f"/genkikan/manage/groups/{group_id}"))
    assert "新宿 花子" in page and "contact@example.jp" in page  # reviewers see the details

    assert verify(staff, group_id, 6, 4).status_code == 302
    response = staff.post(f"/genkikan/manage/groups/{group_id}/approve")
    assert response.status_code == 302

    (group,) = groups_of(any_app, "genkikan", resident.id)
    today = today_in_tokyo()
    assert group["status"] == "approved"
    assert (group["verified_member_count"], group["verified_resident_count"]) == (6, 4)
    assert group["verified_by_id"] == reviewer.id and group["verified_at"] is not None
    assert group["decided_by_id"] == reviewer.id and group["decided_at"] is not None
    assert group["valid_from"] == today
    assert group["valid_until"] == add_months(today, 24) - timedelta(days=1)  # 24 months

    (mail,) = mails(any_app, "genkikan", f"group:{group_id}:")
    assert mail.idempotency_key == f"group:{group_id}:decision"
    assert mail.kind == "group_approved"
    assert mail.to_address == "contact@example.jp"  # the contact person, not the account
    assert mail.locale == "en"
    assert "approved" in mail.subject
    assert "(Registered group)" in mail.body_text  # the category in English
    assert "Valid from" in mail.body_text

    again = staff.post(f"/genkikan/manage/groups/{group_id}/approve")
    assert again.status_code == 302
    assert len(mails(any_app, "genkikan", f"group:{group_id}:")) == 1

    mine = any_app.test_client()
    sign_in_as(mine, any_app, resident)
    mine.set_cookie("lang", "en")
    assert "Registered" in text(mine.get(f"/genkikan/groups/{group_id}"))


def test_approval_rechecks_the_verified_counts(any_app: Flask) -> None:
    resident, group_id = applied(any_app, member_count="6", resident_count="4")
    staff = any_app.test_client()
    signed_in_staff(staff, any_app, "genkikan")
    verify(staff, group_id, 6, 3)  # the roster shows exactly half living in the ward

    response = staff.post(f"/genkikan/manage/groups/{group_id}/approve")
    assert response.status_code == 422
    page = html.unescape(text(response))
    assert 'role="alert"' in page
    assert "会員の過半数が区内在住である必要があります（6名中4名以上、現在3名）。" in page
    (group,) = groups_of(any_app, "genkikan", resident.id)
    assert group["status"] == "pending"
    assert group["verified_resident_count"] == 3
    assert mails(any_app, "genkikan", f"group:{group_id}:") == []


def test_approval_needs_the_document_check_first(any_app: Flask) -> None:
    resident, group_id = applied(any_app)
    staff = any_app.test_client()
    signed_in_staff(staff, any_app, "genkikan")
    assert staff.post(f"/genkikan/manage/groups/{group_id}/approve").status_code == 302
    (group,) = groups_of(any_app, "genkikan", resident.id)
    assert group["status"] == "pending"


def test_verified_counts_must_make_sense(any_app: Flask) -> None:
    resident, group_id = applied(any_app)
    staff = any_app.test_client()
    signed_in_staff(staff, any_app, "genkikan")
    response = verify(staff, group_id, 5, 6)
    assert response.status_code == 422
    assert 'id="verified_resident_count-error"' in text(response)
    (group,) = groups_of(any_app, "genkikan", resident.id)
    assert group["verified_at"] is None


def test_rejection_needs_a_reason_and_mails_it(any_app: Flask) -> None:
    resident, group_id = applied(any_app)
    staff = any_app.test_client()
    reviewer = signed_in_staff(staff, any_app, "genkikan")

    response = staff.post(f"/genkikan/manage/groups/{group_id}/reject", data={"reason": "   "})
    assert response.status_code == 422
    assert 'id="reason-error"' in text(response)
    assert groups_of(any_app, "genkikan", resident.id)[0]["status"] == "pending"

    reason = "会員名簿の提出がありませんでした。"
    response = staff.post(f"/genkikan/manage/groups/{group_id}/reject", data={"reason": reason})
    assert response.status_code == 302
    (group,) = groups_of(any_app, "genkikan", resident.id)
    assert group["status"] == "rejected"
    assert group["rejection_reason"] == reason
    assert group["decided_by_id"] == reviewer.id
    assert group["valid_from"] is None

    (mail,) = mails(any_app, "genkikan", f"group:{group_id}:")
    assert mail.kind == "group_rejected"
    assert mail.locale == "ja"
    assert reason in mail.body_text

    client = any_app.test_client()
    sign_in_as(client, any_app, resident)
    assert reason in text(client.get(f"/genkikan/groups/{group_id}"))


def test_counter_staff_can_look_up_but_not_review(any_app: Flask) -> None:
    resident, group_id = applied(any_app)
    counter = any_app.test_client()
    signed_in_staff(counter, any_app, "genkikan", "counter")

    assert counter.get("/genkikan/manage/groups/").status_code == 200
    assert counter.get("/genkikan/manage/groups/pending").status_code == 200
    page = text(counter.get(f"/genkikan/manage/groups/{group_id}"))
    assert "テスト体操クラブ" in page
    for personal in ("新宿 花子", "西新宿", "03-1234-5678", "contact@example.jp"):
        assert personal not in page, personal
    assert f"/manage/groups/{group_id}/approve" not in page

    assert verify(counter, group_id, 6, 4).status_code == 403
    assert counter.post(f"/genkikan/manage/groups/{group_id}/approve").status_code == 403
    assert (
        counter.post(f"/genkikan/manage/groups/{group_id}/reject", data={"reason": "x"}).status_code
        == 403
    )
    (group,) = groups_of(any_app, "genkikan", resident.id)
    assert group["status"] == "pending" and group["verified_at"] is None


def test_manage_pages_are_for_staff(any_app: Flask) -> None:
    _, group_id = applied(any_app)
    anonymous = any_app.test_client()
    response = anonymous.get("/genkikan/manage/groups/pending")
    assert response.status_code == 302
    assert "/genkikan/manage/login" in response.headers["Location"]
    assert anonymous.post(f"/genkikan/manage/groups/{group_id}/approve").status_code == 302

    resident = any_app.test_client()
    signed_in_resident(resident, any_app, "genkikan")
    assert resident.get("/genkikan/manage/groups/").status_code == 403
    assert resident.post(f"/genkikan/manage/groups/{group_id}/approve").status_code == 403


def test_another_tenants_group_is_not_found(any_app: Flask) -> None:
    # An id no Regasu group has, so a leak could not hide behind a coincidence of ids.
    resident_client = any_app.test_client()
    resident = signed_in_resident(resident_client, any_app, "genkikan")
    name = f"元気館だけのクラブ{uuid.uuid4().hex[:6]}"
    group_id = make_group(
        any_app, "genkikan", resident.id, name=name, group_id=900_000_000 + uuid.uuid4().int % 1000
    )
    staff = any_app.test_client()
    signed_in_staff(staff, any_app, "regasu")

    assert staff.get(f"/regasu/manage/groups/{group_id}").status_code == 404
    assert verify(staff, group_id, 6, 4, tenant="regasu").status_code == 404
    assert staff.post(f"/regasu/manage/groups/{group_id}/approve").status_code == 404
    assert name not in text(staff.get("/regasu/manage/groups/?status=pending"))
    # The Regasu sign-in means nothing at Genkikan.
    assert staff.get(f"/genkikan/manage/groups/{group_id}").status_code == 302
    (group,) = groups_of(any_app, "genkikan", resident.id)
    assert group["status"] == "pending" and group["verified_at"] is None


@pytest.mark.postgres
def test_the_database_refuses_another_tenants_groups(pg_app: Flask) -> None:
    with tenant_session(pg_app, "regasu") as session:
        session.execute(sa.text("SELECT count(*) FROM groups")).scalar_one()  # its own: fine
        session.rollback()
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            session.execute(sa.text("SELECT * FROM tenant_genkikan.groups")).all()


def test_lists_filter_and_paginate(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    resident = signed_in_resident(client, sqlite_app, "genkikan")
    for i in range(27):
        make_group(sqlite_app, "genkikan", resident.id, name=f"待ちクラブ{i:02d}")
    make_group(
        sqlite_app,
        "genkikan",
        resident.id,
        name="登録済みクラブ",
        status="approved",
        valid_from=today_in_tokyo(),
        valid_until=add_months(today_in_tokyo(), 24),
    )
    staff = sqlite_app.test_client()
    signed_in_staff(staff, sqlite_app, "genkikan")

    first = text(staff.get("/genkikan/manage/groups/pending"))
    assert first.count("待ちクラブ") == 25
    assert "待ちクラブ00" in first and "待ちクラブ26" not in first  # oldest first
    assert 'rel="next"' in first and "登録済みクラブ" not in first
    second = text(staff.get("/genkikan/manage/groups/pending?page=2"))
    assert second.count("待ちクラブ") == 2 and 'rel="prev"' in second

    approved = text(staff.get("/genkikan/manage/groups/?status=approved"))
    assert "登録済みクラブ" in approved and "待ちクラブ" not in approved
    found = text(staff.get("/genkikan/manage/groups/?q=クラブ13"))
    assert "待ちクラブ13" in found and found.count("待ちクラブ") == 1
    everything = text(staff.get("/genkikan/manage/groups/?status=nonsense&page=2"))
    assert everything.count("クラブ") >= 3
