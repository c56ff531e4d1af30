"""Every view and change of personal data, every sign-in and every permission change is
logged: who, in which role, which record, from where, and nothing of the data itself
(both databases)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from shisetsu.audit.models import AccessLog
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import make_staff as make_staff_ref
from tests.fixtures.auth import sign_in_as
from tests.support.accounts import PASSWORD as RESIDENT_PASSWORD
from tests.support.accounts import create_account
from tests.support.audit import entries_after, last_id
from tests.support.groups import (
    apply,
    form_data,
    new_group_id,
    signed_in_resident,
    signed_in_staff,
)
from tests.support.staff import (
    PASSWORD,
    fresh_code,
    make_auditor,
    make_staff,
    password_step,
    sign_in,
)

TENANT = "genkikan"


def applied(app: Flask) -> int:
    client = app.test_client()
    signed_in_resident(client, app, TENANT)
    return new_group_id(apply(client, TENANT))


def test_staff_viewing_a_groups_personal_items_is_logged(any_app: Flask) -> None:
    group_id = applied(any_app)
    staff = any_app.test_client()
    handler = signed_in_staff(staff, any_app, TENANT, "handler")
    before = last_id(any_app, TENANT)
    assert staff.get(f"/{TENANT}/manage/groups/{group_id}").status_code == 200
    (entry,) = entries_after(any_app, TENANT, before)
    assert (entry.action, entry.record_type, entry.record_id) == ("view", "group", str(group_id))
    assert (entry.actor_kind, entry.actor_id, entry.role) == ("staff", handler.id, "handler")
    assert entry.actor_label == handler.login and entry.ip == "127.0.0.1"

    # Counter staff are not shown the personal items: nothing to log.
    counter = any_app.test_client()
    signed_in_staff(counter, any_app, TENANT, "counter")
    before = last_id(any_app, TENANT)
    assert counter.get(f"/{TENANT}/manage/groups/{group_id}").status_code == 200
    assert entries_after(any_app, TENANT, before) == []


def test_the_applicant_viewing_and_changing_their_group_is_logged(any_app: Flask) -> None:
    client = any_app.test_client()
    resident = signed_in_resident(client, any_app, TENANT)
    before = last_id(any_app, TENANT)
    group_id = new_group_id(apply(client, TENANT))
    assert client.get(f"/{TENANT}/groups/{group_id}").status_code == 200
    client.post(f"/{TENANT}/groups/{group_id}/withdraw")
    rows = entries_after(any_app, TENANT, before, record_type="group")
    assert [(r.action, r.detail) for r in rows] == [
        ("create", "application"),
        ("view", None),
        ("update", "withdrawn"),
    ]
    assert {(r.actor_kind, r.actor_id, r.role) for r in rows} == {
        ("resident", resident.id, "resident")
    }


def test_review_decisions_are_logged_as_changes(any_app: Flask) -> None:
    group_id = applied(any_app)
    staff = any_app.test_client()
    reviewer = signed_in_staff(staff, any_app, TENANT, "responsible")
    before = last_id(any_app, TENANT)
    staff.post(
        f"/{TENANT}/manage/groups/{group_id}/verify",
        data={"verified_member_count": "6", "verified_resident_count": "4"},
    )
    staff.post(f"/{TENANT}/manage/groups/{group_id}/approve")
    changes = entries_after(any_app, TENANT, before, action="update")
    assert [(c.record_id, c.detail) for c in changes] == [
        (str(group_id), "document check"),
        (str(group_id), "approved"),
    ]
    assert {c.actor_id for c in changes} == {reviewer.id}


def test_no_personal_data_reaches_the_log(any_app: Flask) -> None:
    group_id = applied(any_app)
    staff = any_app.test_client()
    signed_in_staff(staff, any_app, TENANT, "handler")
    staff.get(f"/{TENANT}/manage/groups/{group_id}")
    personal = [
        v
        for k, v in form_data(TENANT).items()
        if k.startswith(("representative_", "contact_")) and len(str(v)) > 3
    ]
    with tenant_session(any_app, TENANT) as session:
        texts = [
            " ".join(str(v) for v in row)
            for row in session.execute(sa.select(AccessLog.__table__)).all()
        ]
    for value in personal:
        assert not any(value in text for text in texts), value


def test_resident_sign_ins_and_account_pages_are_logged(any_app: Flask) -> None:
    account = create_account(any_app, "regasu")
    client = any_app.test_client()
    before = last_id(any_app, "regasu")
    client.post("/regasu/account/login", data={"login": account.login, "password": "wrong 1234"})
    client.post(
        "/regasu/account/login", data={"login": account.login, "password": RESIDENT_PASSWORD}
    )
    client.get("/regasu/account/")
    rows = entries_after(any_app, "regasu", before)
    assert [(r.action, r.actor_kind) for r in rows] == [
        ("login_failure", "anonymous"),
        ("login_success", "resident"),
        ("view", "resident"),
    ]
    failure, success, view = rows
    assert failure.detail == "bad_credentials" and failure.ip == "127.0.0.1"
    assert success.actor_id == account.id and success.actor_label == f"#{account.id}"
    assert (view.record_type, view.record_id) == ("account", str(account.id))


def test_staff_sign_in_steps_are_logged(any_app: Flask) -> None:
    person = make_staff(any_app, role="handler")
    client = any_app.test_client()
    before = last_id(any_app, "regasu")
    password_step(client, person, password="wrong password 99")
    password_step(client, person)  # right password: not a sign-in yet
    client.post("/regasu/manage/verify", data={"code": "000000"})
    client.post("/regasu/manage/verify", data={"code": fresh_code(any_app, person)})
    rows = entries_after(any_app, "regasu", before, record_type="staff")
    assert [(r.action, r.detail) for r in rows] == [
        ("login_failure", "bad_credentials"),
        ("login_failure", "wrong_code"),
        ("login_success", "totp"),
    ]
    assert rows[-1].actor_id == person.id and rows[-1].role == "handler"
    assert all(r.actor_label == person.login for r in rows)


def test_auditor_sign_ins_go_to_the_platform_log(any_app: Flask) -> None:
    auditor = make_auditor(any_app)
    client = any_app.test_client()
    before = last_id(any_app, None)
    password_step(client, auditor, password="nope nope 123")
    sign_in(any_app, client, auditor)
    rows = entries_after(any_app, None, before)
    assert [(r.action, r.actor_kind) for r in rows] == [
        ("login_failure", "anonymous"),
        ("login_success", "auditor"),
    ]
    assert rows[-1].actor_id == auditor.id and rows[-1].role == "auditor"


def test_permission_changes_are_logged_with_who_did_them(any_app: Flask) -> None:
    boss = make_staff(any_app, role="responsible")
    client = any_app.test_client()
    sign_in(any_app, client, boss)
    before = last_id(any_app, "regasu")
    added = client.post(
        "/regasu/manage/staff/new",
        data={"login": "newbie" + str(before), "display_name": "New", "role": "counter"},
    )
    assert added.status_code == 200
    target = make_staff(any_app, role="counter")
    client.post(f"/regasu/manage/staff/{target.id}/role", data={"role": "handler"})
    client.post(f"/regasu/manage/staff/{target.id}/reset")
    client.post(f"/regasu/manage/staff/{target.id}/remove")
    rows = entries_after(any_app, "regasu", before, action="permission_change")
    mine = [r for r in rows if r.actor_id == boss.id]
    assert [r.detail for r in mine] == [
        "added as counter",
        "role counter → handler",
        "sign-in reset",
        "removed",
    ]
    assert {r.role for r in mine} == {"responsible"}
    # The factory's own add (outside a request) is the system's.
    assert any(r.actor_kind == "system" and r.record_id == str(target.id) for r in rows)


def test_auditor_accounts_changed_from_the_cli_are_logged(any_app: Flask) -> None:
    before = last_id(any_app, None)
    runner = any_app.test_cli_runner()
    login = f"cliaud{before}x"
    assert runner.invoke(args=["ward", "add-auditor", login, "--name", "W"]).exit_code == 0
    assert runner.invoke(args=["ward", "remove-auditor", login]).exit_code == 0
    rows = entries_after(any_app, None, before, action="permission_change")
    assert [(r.detail, r.actor_kind) for r in rows] == [("added", "system"), ("removed", "system")]


def test_own_password_changes_are_logged(any_app: Flask) -> None:
    person = make_staff(any_app, role="counter")
    client = any_app.test_client()
    sign_in(any_app, client, person)
    before = last_id(any_app, "regasu")
    client.post(
        "/regasu/manage/password",
        data={
            "current": PASSWORD,
            "password": "a much longer new pass 42",
            "confirm": "a much longer new pass 42",
        },
    )
    rows = entries_after(any_app, "regasu", before, action="update")
    assert [(r.record_type, r.record_id, r.detail) for r in rows] == [
        ("staff", str(person.id), "password changed")
    ]


def test_a_signed_in_staff_member_by_reference(any_app: Flask) -> None:
    """login_as sessions (no sign-in) still log the actor from the loaded principal."""
    ref = make_staff_ref(any_app, "regasu", "handler")
    client = any_app.test_client()
    sign_in_as(client, any_app, ref)
    group_id = applied_regasu(any_app)
    before = last_id(any_app, "regasu")
    client.get(f"/regasu/manage/groups/{group_id}", headers={"User-Agent": "x" * 500})
    (entry,) = entries_after(any_app, "regasu", before)
    assert entry.actor_id == ref.id and entry.user_agent is not None
    assert len(entry.user_agent) <= 200


def applied_regasu(app: Flask) -> int:
    client = app.test_client()
    signed_in_resident(client, app, "regasu")
    return new_group_id(apply(client, "regasu"))
