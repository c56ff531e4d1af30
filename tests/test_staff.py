"""Staff sign-in: password, TOTP enrolment and codes, lockout, idle timeout (both databases)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp
from flask import Flask

from shisetsu.auth.sessions import LAST_SEEN
from shisetsu.auth.totp import STEP_SECONDS
from shisetsu.dates import local_time
from shisetsu.signin.flow import PENDING_KEY
from tests.test_staff_support import (
    PASSWORD,
    english,
    fresh_code,
    is_login_redirect,
    make_staff,
    page,
    password_step,
    shown_codes,
    shown_secret,
    sign_in,
    staff_row,
    update_staff,
)

MANAGE = "/regasu/manage"


def test_first_sign_in_enrols_totp_and_shows_recovery_codes_once(any_app: Flask) -> None:
    person = make_staff(any_app, enrolled=False)
    client = english(any_app.test_client())

    response = client.get(f"{MANAGE}/staff/")
    assert is_login_redirect(response, MANAGE)
    assert "next=/regasu/manage/staff/" in response.headers["Location"]

    response = client.post(
        f"{MANAGE}/login?next=/regasu/manage/staff/",
        data={"login": person.login.upper(), "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{MANAGE}/enrol"

    enrol = client.get(f"{MANAGE}/enrol")
    assert enrol.status_code == 200
    assert enrol.headers["Cache-Control"] == "no-store"
    assert "<svg" in page(enrol) and "<?xml" not in page(enrol)
    secret = shown_secret(enrol)
    assert secret == staff_row(any_app, person).totp_secret
    assert client.get(f"{MANAGE}/enrol").status_code == 200  # same secret on reload
    assert shown_secret(client.get(f"{MANAGE}/enrol")) == secret

    wrong = client.post(f"{MANAGE}/enrol", data={"code": "000000"})
    assert wrong.status_code == 200
    assert "That code is not correct" in page(wrong)
    assert is_login_redirect(client.get(f"{MANAGE}/"), MANAGE)  # still only half signed in

    done = client.post(f"{MANAGE}/enrol", data={"code": fresh_code(any_app, person, secret)})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = shown_codes(done)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/regasu/manage/staff/"' in page(done)  # continues where they were going

    home = client.get(f"{MANAGE}/")
    assert home.status_code == 200
    assert f"Name {person.login}" in page(home)
    assert "Responsible person" in page(home)
    row = staff_row(any_app, person)
    assert row.totp_enrolled_at is not None and len(row.recovery_codes) == 10
    assert not set(codes) & set(row.recovery_codes)  # stored hashed only

    # The enrolment page is gone once enrolled: the next sign-in asks for a code.
    client.post(f"{MANAGE}/logout")
    response = password_step(client, person)
    assert response.headers["Location"] == f"{MANAGE}/verify"
    assert client.get(f"{MANAGE}/enrol").headers["Location"] == f"{MANAGE}/verify"


def test_a_code_cannot_be_replayed(any_app: Flask) -> None:
    person = make_staff(any_app)
    client = english(any_app.test_client())
    password_step(client, person)
    code = fresh_code(any_app, person)
    assert client.post(f"{MANAGE}/verify", data={"code": code}).status_code == 302
    client.post(f"{MANAGE}/logout")

    password_step(client, person)
    replay = client.post(f"{MANAGE}/verify", data={"code": code})
    assert replay.status_code == 200
    assert "That code is not correct" in page(replay)
    assert is_login_redirect(client.get(f"{MANAGE}/"), MANAGE)
    assert (
        client.post(f"{MANAGE}/verify", data={"code": fresh_code(any_app, person)}).status_code
        == 302
    )
    assert client.get(f"{MANAGE}/").status_code == 200


def test_a_recovery_code_works_once(any_app: Flask) -> None:
    person = make_staff(any_app)
    client = english(any_app.test_client())
    sign_in(any_app, client, person)
    made = client.post(f"{MANAGE}/security", data={"code": fresh_code(any_app, person)})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    codes = shown_codes(made)
    assert len(codes) == 10
    client.post(f"{MANAGE}/logout")

    password_step(client, person)
    used = client.post(f"{MANAGE}/verify", data={"code": codes[3].upper()})
    assert used.status_code == 302
    assert "9 remain" in page(client.get(used.headers["Location"]))
    client.post(f"{MANAGE}/logout")

    password_step(client, person)
    again = client.post(f"{MANAGE}/verify", data={"code": codes[3]})
    assert again.status_code == 200
    assert is_login_redirect(client.get(f"{MANAGE}/"), MANAGE)
    assert len(staff_row(any_app, person).recovery_codes) == 9


def test_recovery_codes_are_regenerated_only_with_a_current_code(any_app: Flask) -> None:
    person = make_staff(any_app, role="counter")
    client = english(any_app.test_client())
    sign_in(any_app, client, person)
    assert "You have 0 unused recovery codes" in page(client.get(f"{MANAGE}/security"))
    refused = client.post(f"{MANAGE}/security", data={"code": "123456"})
    assert refused.status_code == 200 and "That code is not correct" in page(refused)
    assert staff_row(any_app, person).recovery_codes == []


def test_a_wrong_code_keeps_the_user_half_signed_in(any_app: Flask) -> None:
    person = make_staff(any_app)
    client = english(any_app.test_client())
    password_step(client, person)
    with client.session_transaction() as session:
        assert PENDING_KEY in session and "_user_id" not in session
    wrong = client.post(f"{MANAGE}/verify", data={"code": "999999"})
    assert wrong.status_code == 200
    for path in ("/", "/staff/", "/security"):
        assert is_login_redirect(client.get(MANAGE + path), MANAGE)


def test_too_many_wrong_codes_lock_the_account(any_app: Flask) -> None:
    person = make_staff(any_app)
    client = english(any_app.test_client())
    password_step(client, person)
    for _ in range(4):
        assert client.post(f"{MANAGE}/verify", data={"code": "999999"}).status_code == 200
    locked = client.post(f"{MANAGE}/verify", data={"code": "999999"})
    assert is_login_redirect(locked, MANAGE)
    row = staff_row(any_app, person)
    assert row.locked_until is not None
    assert f"unlocks automatically at {local_time(row.locked_until)}" in page(
        client.get(locked.headers["Location"])
    )
    # The correct password is refused while locked; the pending step is gone.
    assert "is locked" in page(password_step(client, person))
    assert client.get(f"{MANAGE}/verify").status_code == 302


def test_the_pending_step_expires(any_app: Flask) -> None:
    person = make_staff(any_app)
    client = english(any_app.test_client())
    password_step(client, person)
    with client.session_transaction() as session:
        session[PENDING_KEY] = {**session[PENDING_KEY], "expires": int(time.time()) - 1}
    response = client.post(f"{MANAGE}/verify", data={"code": fresh_code(any_app, person)})
    assert is_login_redirect(response, MANAGE)
    assert "has expired" in page(client.get(response.headers["Location"]))


def test_lockout_after_wrong_passwords_names_the_unlock_time_in_tokyo(any_app: Flask) -> None:
    person = make_staff(any_app)
    client = english(any_app.test_client())
    for _ in range(4):
        wrong = password_step(client, person, password="not the password")
        assert "The login or password is not correct" in page(wrong)
    locked = password_step(client, person, password="not the password")
    until = staff_row(any_app, person).locked_until
    assert until is not None
    assert f"It unlocks automatically at {local_time(until)} (Japan time)" in page(locked)
    assert "is locked" in page(password_step(client, person))  # right password, still locked

    update_staff(any_app, person, locked_until=None)
    assert password_step(client, person).status_code == 302


def test_tokyo_time_of_the_lock_message() -> None:
    assert local_time(datetime(2026, 4, 1, 0, 15, tzinfo=UTC)) == "2026-04-01 09:15"
    assert local_time(datetime(2026, 4, 1, 15, 0)) == "2026-04-02 00:00"  # naive is UTC


def test_idle_staff_sessions_are_signed_out(any_app: Flask) -> None:
    any_app.config["IDLE_TIMEOUT_STAFF_MINUTES"] = 2
    person = make_staff(any_app, role="handler")
    client = english(any_app.test_client())
    sign_in(any_app, client, person)
    with client.session_transaction() as session:
        session[LAST_SEEN] = int(time.time()) - 90
    assert client.get(f"{MANAGE}/").status_code == 200  # within the limit
    with client.session_transaction() as session:
        session[LAST_SEEN] = int(time.time()) - 121
    response = client.get(f"{MANAGE}/")
    assert is_login_redirect(response, MANAGE)
    assert "signed out after 2 minutes" in page(client.get(response.headers["Location"]))
    assert is_login_redirect(client.get(f"{MANAGE}/"), MANAGE)


def test_sign_in_redirects_only_inside_the_console(any_app: Flask) -> None:
    person = make_staff(any_app)
    client = any_app.test_client()
    client.post(
        f"{MANAGE}/login?next=https://evil.example/",
        data={"login": person.login, "password": PASSWORD},
    )
    response = client.post(f"{MANAGE}/verify", data={"code": fresh_code(any_app, person)})
    assert response.headers["Location"] == f"{MANAGE}/"


def test_sign_out_is_a_post_and_ends_the_session(any_app: Flask) -> None:
    person = make_staff(any_app)
    client = any_app.test_client()
    sign_in(any_app, client, person)
    assert client.get(f"{MANAGE}/logout").status_code == 405
    home = page(client.get(f"{MANAGE}/"))
    assert f'action="{MANAGE}/logout"' in home
    assert is_login_redirect(client.post(f"{MANAGE}/logout"), MANAGE)
    assert is_login_redirect(client.get(f"{MANAGE}/"), MANAGE)


def test_a_removed_or_unknown_login_is_refused_like_a_wrong_password(any_app: Flask) -> None:
    person = make_staff(any_app)
    update_staff(any_app, person, active=False)
    client = english(any_app.test_client())
    for login in (person.login, "nobody-here"):
        response = client.post(f"{MANAGE}/login", data={"login": login, "password": PASSWORD})
        assert response.status_code == 200
        assert "The login or password is not correct" in page(response)


def test_a_code_from_another_secret_is_refused(any_app: Flask) -> None:
    person = make_staff(any_app)
    client = any_app.test_client()
    password_step(client, person)
    stranger = pyotp.TOTP(pyotp.random_base32()).at(int(time.time()) // STEP_SECONDS * STEP_SECONDS)
    assert client.post(f"{MANAGE}/verify", data={"code": stranger}).status_code == 200


def test_sign_in_is_rate_limited_per_account(any_app: Flask) -> None:
    any_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"] = "3/minute"
    person = make_staff(any_app)
    client = any_app.test_client()
    for _ in range(3):
        assert password_step(client, person, password="wrong wrong").status_code == 200
    assert password_step(client, person).status_code == 429


def test_staff_replace_their_initial_password(any_app: Flask) -> None:
    person = make_staff(any_app, role="counter")
    client, other = english(any_app.test_client()), any_app.test_client()
    sign_in(any_app, client, person)
    sign_in(any_app, other, person)
    assert "Change your password" in page(client.get(f"{MANAGE}/"))

    wrong = client.post(
        f"{MANAGE}/password", data={"current": "nope", "password": "x" * 12, "confirm": "x" * 12}
    )
    assert "The current password is not correct" in page(wrong)
    short = client.post(
        f"{MANAGE}/password", data={"current": PASSWORD, "password": "short", "confirm": "short"}
    )
    assert short.status_code == 200 and staff_row(any_app, person).session_version == 1
    same = client.post(
        f"{MANAGE}/password",
        data={"current": PASSWORD, "password": person.login, "confirm": person.login},
    )
    assert "must differ from the login" in page(same)

    new = "my own long passphrase"
    changed = client.post(
        f"{MANAGE}/password", data={"current": PASSWORD, "password": new, "confirm": new}
    )
    assert changed.headers["Location"] == f"{MANAGE}/"
    assert "Other sessions were signed out" in page(client.get(f"{MANAGE}/"))
    assert is_login_redirect(other.get(f"{MANAGE}/"), MANAGE)  # the other session ended
    client.post(f"{MANAGE}/logout")
    assert password_step(client, person).status_code == 200
    assert password_step(client, person, password=new).status_code == 302
