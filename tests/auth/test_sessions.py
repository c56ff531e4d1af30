"""Sessions end on the server: a copied cookie of a signed-out device is refused (residents,
staff, auditors) while other devices stay; "sign out everywhere"; a password change ends the
other sessions and the API tokens; the consoles' absolute lifetime; the hourly purge."""

from __future__ import annotations

import time
from datetime import timedelta

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.auth.jobs import purge_job
from shisetsu.auth.principals import AUDITOR, RESIDENT, STAFF, key_digest
from shisetsu.auth.sessions import SIGNED_IN_AT
from shisetsu.auth.tokens import issue_token
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.people.models import Account, ApiToken, EndedAuditorSession, EndedSession
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import PASSWORD, login_as, make_resident, make_staff
from tests.support.accounts import NEW_PASSWORD
from tests.support.audit import make_auditor_with_email

# (kind, a page only that kind opens, its sign-out URL)
KINDS = {
    RESIDENT: ("/regasu/account/", "/regasu/account/logout"),
    STAFF: ("/regasu/manage/", "/regasu/manage/logout"),
    AUDITOR: ("/ward/", "/ward/logout"),
}


def person(app: Flask, kind: str) -> object:
    if kind == RESIDENT:
        return make_resident(app, "regasu")
    if kind == STAFF:
        return make_staff(app, "regasu", "responsible")
    return make_auditor_with_email(app)[0]


def device(app: Flask, kind: str, record: object) -> tuple[FlaskClient, str]:
    client = app.test_client()
    tenant = "" if kind == AUDITOR else "regasu"
    key = login_as(client, app, kind, tenant, record)
    return client, key


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def opens(client: FlaskClient, path: str) -> bool:
    return client.get(path).status_code == 200


@pytest.mark.parametrize("kind", [RESIDENT, STAFF, AUDITOR])
def test_copied_cookie_is_refused_after_sign_out_and_other_devices_stay(
    any_app: Flask, kind: str
) -> None:
    home, logout = KINDS[kind]
    record = person(any_app, kind)
    laptop, _ = device(any_app, kind, record)
    phone, _ = device(any_app, kind, record)
    assert opens(laptop, home) and opens(phone, home)
    thief = copy_of(any_app, laptop)
    assert opens(thief, home)

    assert laptop.post(logout).status_code == 302
    assert not opens(thief, home)  # the copy taken before sign-out is dead
    assert not opens(laptop, home)
    assert opens(phone, home)  # the other device is untouched


@pytest.mark.parametrize("kind", [RESIDENT, STAFF, AUDITOR])
def test_sign_out_everywhere_ends_every_device(any_app: Flask, kind: str) -> None:
    home, _ = KINDS[kind]
    prefix = (
        "/ward" if kind == AUDITOR else ("/regasu/manage" if kind == STAFF else "/regasu/account")
    )
    record = person(any_app, kind)
    laptop, _ = device(any_app, kind, record)
    phone, _ = device(any_app, kind, record)
    confirm = laptop.get(f"{prefix}/sign-out-everywhere")
    assert confirm.status_code == 200
    assert "<h1>" in confirm.get_data(as_text=True)
    assert opens(phone, home)  # the confirmation page changed nothing

    answer = laptop.post(f"{prefix}/sign-out-everywhere")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert not opens(laptop, home) and not opens(phone, home)


def test_the_pages_link_to_sign_out_everywhere(any_app: Flask) -> None:
    for kind, (home, _) in KINDS.items():
        client, _ = device(any_app, kind, person(any_app, kind))
        assert "sign-out-everywhere" in client.get(home).get_data(as_text=True), kind


def test_cookie_without_a_device_key_is_refused(any_app: Flask) -> None:
    resident = make_resident(any_app, "regasu")
    client = any_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = f"resident:regasu:{resident.id}:{resident.session_version}"
        sess["last_seen"] = sess[SIGNED_IN_AT] = int(time.time())
    assert not opens(client, "/regasu/account/")


def test_password_change_ends_other_sessions_and_every_api_token(any_app: Flask) -> None:
    resident = make_resident(any_app, "regasu")
    here, _ = device(any_app, RESIDENT, resident)
    other, _ = device(any_app, RESIDENT, resident)
    with tenant_session(any_app, "regasu") as session:
        token, _ = issue_token(session, RESIDENT, resident.id, utcnow())
        session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    assert any_app.test_client().get("/api/v1/regasu/me", headers=bearer).status_code == 200
    answer = here.post(
        "/regasu/account/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert answer.status_code == 302
    assert opens(here, "/regasu/account/")  # this device signed in again
    assert not opens(other, "/regasu/account/")
    with tenant_session(any_app, "regasu") as session:
        rows = session.scalars(
            sa.select(ApiToken).where(ApiToken.principal_id == resident.id)
        ).all()
        assert rows and all(r.revoked_at is not None for r in rows)
    assert any_app.test_client().get("/api/v1/regasu/me", headers=bearer).status_code == 401


def test_staff_password_change_revokes_their_api_tokens(any_app: Flask) -> None:
    staff = make_staff(any_app, "regasu", "handler")
    client, _ = device(any_app, STAFF, staff)
    with tenant_session(any_app, "regasu") as session:
        issue_token(session, STAFF, staff.id, utcnow())
        session.commit()
    answer = client.post(
        "/regasu/manage/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert answer.status_code == 302
    with tenant_session(any_app, "regasu") as session:
        rows = session.scalars(
            sa.select(ApiToken).where(
                ApiToken.principal_kind == STAFF, ApiToken.principal_id == staff.id
            )
        ).all()
        assert rows and all(r.revoked_at is not None for r in rows)


@pytest.mark.parametrize("kind", [STAFF, AUDITOR])
def test_console_sessions_end_after_their_lifetime(any_app: Flask, kind: str) -> None:
    home, _ = KINDS[kind]
    client, _ = device(any_app, kind, person(any_app, kind))
    hours = any_app.config["STAFF_SESSION_HOURS"]
    with client.session_transaction() as sess:
        sess[SIGNED_IN_AT] = int(time.time()) - hours * 3600 + 60
    assert opens(client, home)  # active, and inside the lifetime
    with client.session_transaction() as sess:
        sess[SIGNED_IN_AT] = int(time.time()) - hours * 3600 - 60
    assert not opens(client, home)


def test_resident_sessions_have_no_absolute_lifetime(any_app: Flask) -> None:
    client, _ = device(any_app, RESIDENT, make_resident(any_app, "regasu"))
    with client.session_transaction() as sess:
        sess[SIGNED_IN_AT] = int(time.time()) - 48 * 3600
    assert opens(client, "/regasu/account/")


def test_purge_forgets_only_expired_ended_sessions(any_app: Flask) -> None:
    now = utcnow()
    with tenant_session(any_app, "regasu") as session:
        session.add(EndedSession(key_digest="a" * 64, ended_at=now, expires_at=now - timedelta(1)))
        session.add(EndedSession(key_digest="b" * 64, ended_at=now, expires_at=now + timedelta(1)))
        session.commit()
        purge_job(session)
        session.commit()
        left = set(session.scalars(sa.select(EndedSession.key_digest)))
    assert left == {"b" * 64}


def test_auditor_sign_out_is_recorded_in_the_platform_schema(any_app: Flask) -> None:
    auditor = make_auditor_with_email(any_app)[0]
    client, key = device(any_app, AUDITOR, auditor)
    client.post("/ward/logout")
    with any_app.app_context():
        row = db.session.get(EndedAuditorSession, key_digest(key))
        assert row is not None
        db.session.remove()
    with tenant_session(any_app, "regasu") as session:
        assert session.get(EndedSession, key_digest(key)) is None


# --- tenants apart -------------------------------------------------------------------------


def test_sign_out_everywhere_of_another_tenant_changes_nothing(any_app: Flask) -> None:
    resident = make_resident(any_app, "regasu")
    client, _ = device(any_app, RESIDENT, resident)
    answer = client.post("/genkikan/account/sign-out-everywhere")
    assert answer.status_code in (302, 404)
    assert "/genkikan/account/login" in answer.headers.get("Location", "/genkikan/account/login")
    assert opens(client, "/regasu/account/")
    with tenant_session(any_app, "regasu") as session:
        assert session.get(Account, resident.id).session_version == resident.session_version


def test_a_device_ended_at_one_tenant_is_not_visible_at_another(pg_app: Flask) -> None:
    with tenant_session(pg_app, "regasu") as session:
        with pytest.raises(sa.exc.ProgrammingError) as info:
            session.execute(sa.text("SELECT * FROM tenant_genkikan.ended_sessions"))
        assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)
    with tenant_session(pg_app, "regasu") as session, pytest.raises(sa.exc.ProgrammingError):
        session.execute(sa.text("SELECT * FROM tenant_genkikan.unknown_logins"))
