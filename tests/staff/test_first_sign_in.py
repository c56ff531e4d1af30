"""A new handler's initial password is single-use: own password, then TOTP, then the console.

Until both are done the person is nobody to every route that shows personal data: the
session loader and the bearer-token loader refuse them (one gate, not page by page), and
the token endpoint issues them nothing.
"""

from __future__ import annotations

import re
import uuid

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.auth.access import PUBLIC, permits
from shisetsu.auth.tokens import issue_token
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.people.models import Auditor, Staff
from shisetsu.tenancy.binding import tenant_session
from tests.support.api import assert_error, bearer
from tests.support.matrix import TENANT, make_world
from tests.support.staff import (
    PASSWORD,
    english,
    fresh_code,
    is_login_redirect,
    make_staff,
    page,
    shown_secret,
    sign_in,
    staff_row,
    update_staff,
)

MANAGE = "/regasu/manage"
OWN = "tall bamboo lantern river"


def _added(app: Flask, boss_client, login: str, role: str = "handler") -> str:  # type: ignore[no-untyped-def]
    added = boss_client.post(
        f"{MANAGE}/staff/new",
        data={"login": login, "display_name": "Sato Hanako", "email": "", "role": role},
    )
    assert added.status_code == 200
    return page(added).split('id="initial-password">')[1].split("<")[0]


def test_a_new_handler_chooses_a_password_then_enrols_before_any_page(any_app: Flask) -> None:
    boss = make_staff(any_app)
    boss_client = english(any_app.test_client())
    sign_in(any_app, boss_client, boss)
    login = f"new{boss.login}"
    initial = _added(any_app, boss_client, login)
    assert staff_row_by_login(any_app, login).password_must_change

    client = english(any_app.test_client())
    first = client.post(f"{MANAGE}/login", data={"login": login, "password": initial})
    assert first.headers["Location"] == f"{MANAGE}/first-password"
    for skipped in ("enrol", "verify"):
        assert client.get(f"{MANAGE}/{skipped}").headers["Location"] == f"{MANAGE}/first-password"
    assert is_login_redirect(client.get(f"{MANAGE}/groups/"), MANAGE)

    form = client.get(f"{MANAGE}/first-password")
    assert form.status_code == 200
    assert "works for this one sign-in only" in page(form)
    weak = client.post(
        f"{MANAGE}/first-password", data={"password": "password1234", "confirm": "password1234"}
    )
    assert weak.status_code == 200
    assert "easy to guess" in page(weak) and "commonly used password" in page(weak)
    again = client.post(f"{MANAGE}/first-password", data={"password": initial, "confirm": initial})
    assert "not the initial one" in page(again)
    named = client.post(
        f"{MANAGE}/first-password", data={"password": "sato-hanako-7", "confirm": "sato-hanako-7"}
    )
    assert "Leave out your login ID, name and email address" in page(named)
    assert staff_row_by_login(any_app, login).password_must_change  # nothing changed

    chosen = client.post(f"{MANAGE}/first-password", data={"password": OWN, "confirm": OWN})
    assert chosen.headers["Location"] == f"{MANAGE}/enrol"
    row = staff_row_by_login(any_app, login)
    assert not row.password_must_change and row.totp_enrolled_at is None
    assert is_login_redirect(client.get(f"{MANAGE}/groups/"), MANAGE)  # TOTP still missing

    secret = shown_secret(client.get(f"{MANAGE}/enrol"))
    done = client.post(f"{MANAGE}/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and "recovery" in page(done).lower()
    assert client.get(f"{MANAGE}/groups/").status_code == 200

    # The initial password is gone: it no longer passes the first step.
    other = any_app.test_client()
    refused = other.post(f"{MANAGE}/login", data={"login": login, "password": initial})
    assert refused.status_code == 200
    assert (
        other.post(f"{MANAGE}/login", data={"login": login, "password": OWN}).headers["Location"]
        == f"{MANAGE}/verify"
    )


def test_a_reset_makes_the_new_initial_password_single_use_again(any_app: Flask) -> None:
    boss, member = make_staff(any_app), make_staff(any_app, role="handler")
    boss_client = english(any_app.test_client())
    sign_in(any_app, boss_client, boss)
    done = boss_client.post(f"{MANAGE}/staff/{member.id}/reset")
    initial = page(done).split('id="initial-password">')[1].split("<")[0]
    client = any_app.test_client()
    first = client.post(f"{MANAGE}/login", data={"login": member.login, "password": initial})
    assert first.headers["Location"] == f"{MANAGE}/first-password"
    assert staff_row(any_app, member).password_must_change


def test_the_first_password_step_belongs_to_its_own_tenant(any_app: Flask) -> None:
    boss = make_staff(any_app)
    boss_client = english(any_app.test_client())
    sign_in(any_app, boss_client, boss)
    login = f"new{boss.login}"
    initial = _added(any_app, boss_client, login)
    client = any_app.test_client()
    client.post(f"{MANAGE}/login", data={"login": login, "password": initial})
    elsewhere = client.post(
        "/genkikan/manage/first-password", data={"password": OWN, "confirm": OWN}
    )
    assert is_login_redirect(elsewhere, "/genkikan/manage")
    assert staff_row_by_login(any_app, login).password_must_change


@pytest.mark.parametrize("state", ["password_must_change", "not_enrolled"])
def test_every_staff_route_refuses_a_handler_in_the_middle_of_first_sign_in(
    app: Flask, state: str
) -> None:
    """The access matrix for one person: each route a handler or responsible person may
    use answers them as if they were not signed in (sign-in page; 401 under /api/)."""
    world = make_world(app)
    for role in ("handler", "responsible"):
        ref = world.staff[role]
        values = (
            {"password_must_change": True}
            if state == "password_must_change"
            else {"totp_enrolled_at": None}
        )
        with tenant_session(app, TENANT) as session:
            token, _ = issue_token(session, "staff", ref.id, utcnow())
            session.execute(sa.update(Staff).where(Staff.id == ref.id).values(**values))
            session.commit()
        client = world.client(role)
        checked = 0
        for rule in app.url_map.iter_rules():
            view = app.view_functions[rule.endpoint]
            rules = getattr(view, "access", frozenset({PUBLIC}))
            if PUBLIC in rules or not permits(rules, "staff", role):
                continue
            path = world.path(rule)
            methods = sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"})
            method = "GET" if "GET" in methods else methods[0]
            if path.startswith("/api/"):
                response = client.open(path, method=method, headers=bearer(token))
                label = f"{role} {method} {path} → {response.status_code}"
                assert response.status_code == 401, label
            else:
                response = client.open(path, method=method)
                label = f"{role} {method} {path} → {response.status_code}"
                assert is_login_redirect(response, f"/{TENANT}/manage"), label
            checked += 1
        assert checked >= 40


def test_the_api_issues_no_token_before_the_first_sign_in_is_done(any_app: Flask) -> None:
    person = make_staff(any_app, role="handler")
    update_staff(any_app, person, password_must_change=True)
    client = any_app.test_client()
    body = {"login": person.login, "password": PASSWORD, "kind": "staff"}
    refused = client.post(
        "/api/v1/regasu/tokens", json={**body, "otp": fresh_code(any_app, person)}
    )
    assert_error(refused, 403, "first_sign_in_incomplete")
    update_staff(any_app, person, password_must_change=False)
    issued = client.post("/api/v1/regasu/tokens", json={**body, "otp": fresh_code(any_app, person)})
    assert issued.status_code == 201


def staff_row_by_login(app: Flask, login: str) -> Staff:
    with tenant_session(app, "regasu") as session:
        row = session.scalar(sa.select(Staff).where(Staff.login == login))
        assert row is not None
        session.expunge(row)
        return row


def test_an_auditor_from_the_cli_also_chooses_a_password_first(any_app: Flask) -> None:
    runner = any_app.test_cli_runner()
    login = f"auditor{uuid.uuid4().hex[:8]}"
    result = runner.invoke(args=["ward", "add-auditor", login, "--name", "Ward Official"])
    found = re.search(r"initial password \(shown once\): (\S+)", result.output)
    assert result.exit_code == 0 and found, result.output
    client = english(any_app.test_client())
    first = client.post("/ward/login", data={"login": login, "password": found.group(1)})
    assert first.headers["Location"] == "/ward/first-password"
    assert is_login_redirect(client.get("/ward/"), "/ward")
    chosen = client.post("/ward/first-password", data={"password": OWN, "confirm": OWN})
    assert chosen.headers["Location"] == "/ward/enrol"
    with any_app.app_context():
        auditor = db.session.scalar(sa.select(Auditor).where(Auditor.login == login))
        assert auditor is not None and not auditor.password_must_change
