"""Ward auditors: the CLI, sign-in with TOTP, the read-only console, and the walls between
auditors and tenant staff (both databases)."""

from __future__ import annotations

import re

from flask import Flask

from shisetsu.auth.access import PUBLIC
from shisetsu.extensions import db
from shisetsu.people.models import Auditor
from shisetsu.ward.operations import find_active_auditor
from tests.support.staff import (
    PASSWORD,
    english,
    fresh_code,
    is_login_redirect,
    make_auditor,
    make_staff,
    page,
    password_step,
    shown_codes,
    shown_secret,
    sign_in,
    unique,
)


def test_add_auditor_cli_prints_the_initial_password_once(any_app: Flask) -> None:
    login = unique("auditor")
    runner = any_app.test_cli_runner()
    result = runner.invoke(
        args=["ward", "add-auditor", login, "--name", "Ward Official", "--email", "w@example.jp"]
    )
    assert result.exit_code == 0, result.output
    found = re.search(r"initial password \(shown once\): (\S+)", result.output)
    assert found
    with any_app.app_context():
        auditor = find_active_auditor(db.session(), login)
        assert auditor is not None
        assert auditor.display_name == "Ward Official" and auditor.email == "w@example.jp"
        assert auditor.totp_enrolled_at is None
        assert found.group(1) not in auditor.password_hash

    # The password works once: the first sign-in asks for their own password, then TOTP.
    client = any_app.test_client()
    response = client.post("/ward/login", data={"login": login, "password": found.group(1)})
    assert response.headers["Location"] == "/ward/first-password"

    listed = runner.invoke(args=["ward", "list-auditors"])
    assert login in listed.output and "TOTP not yet enrolled" in listed.output


def test_add_auditor_refuses_a_duplicate_clearly(any_app: Flask) -> None:
    login = unique("auditor")
    runner = any_app.test_cli_runner()
    assert runner.invoke(args=["ward", "add-auditor", login, "--name", "A"]).exit_code == 0
    again = runner.invoke(args=["ward", "add-auditor", login.upper(), "--name", "B"])
    assert again.exit_code == 1
    assert "already in use" in again.output
    assert "Traceback" not in again.output and again.exception is not None
    assert isinstance(again.exception, SystemExit)
    bad = runner.invoke(args=["ward", "add-auditor", "bad login", "--name", "B"])
    assert bad.exit_code == 1 and "A login must be" in bad.output
    with any_app.app_context():
        rows = db.session.query(Auditor).filter(Auditor.login == login).all()
        assert len(rows) == 1 and rows[0].display_name == "A"


def test_auditor_enrols_totp_at_first_sign_in(any_app: Flask) -> None:
    auditor = make_auditor(any_app, enrolled=False)
    client = english(any_app.test_client())
    assert is_login_redirect(client.get("/ward/"), "/ward")
    assert password_step(client, auditor).headers["Location"] == "/ward/enrol"
    enrol = client.get("/ward/enrol")
    assert "<svg" in page(enrol)
    secret = shown_secret(enrol)
    assert is_login_redirect(client.get("/ward/"), "/ward")
    done = client.post("/ward/enrol", data={"code": fresh_code(any_app, auditor, secret)})
    assert len(shown_codes(done)) == 10
    home = client.get("/ward/")
    assert home.status_code == 200
    text = page(home)
    assert "Ward audit console" in text
    assert "regasu" in text and "genkikan" in text
    assert 'action="/ward/logout"' in text


def test_auditor_sign_in_with_totp_and_sign_out(any_app: Flask) -> None:
    auditor = make_auditor(any_app)
    client = english(any_app.test_client())
    password_step(client, auditor)
    wrong = client.post("/ward/verify", data={"code": "000000"})
    assert wrong.status_code == 200 and is_login_redirect(client.get("/ward/"), "/ward")
    assert (
        client.post("/ward/verify", data={"code": fresh_code(any_app, auditor)}).status_code == 302
    )
    assert client.get("/ward/").status_code == 200
    assert client.get("/ward/security").status_code == 200
    assert is_login_redirect(client.post("/ward/logout"), "/ward")
    assert is_login_redirect(client.get("/ward/"), "/ward")


def test_auditors_cannot_open_tenant_consoles(any_app: Flask) -> None:
    auditor = make_auditor(any_app)
    client = any_app.test_client()
    sign_in(any_app, client, auditor)
    for path in ("/regasu/manage/", "/regasu/manage/staff/", "/genkikan/manage/security"):
        response = client.get(path)
        assert is_login_redirect(response, path.rsplit("/manage", 1)[0] + "/manage")
    # Nor can an auditor's login be used as a staff login.
    response = client.post(
        "/regasu/manage/login", data={"login": auditor.login, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert client.get("/ward/").status_code == 200


def test_staff_cannot_open_the_ward_console(any_app: Flask) -> None:
    boss = make_staff(any_app)
    client = any_app.test_client()
    sign_in(any_app, client, boss)
    for path in ("/ward/", "/ward/security"):
        assert is_login_redirect(client.get(path), "/ward")
    response = client.post("/ward/login", data={"login": boss.login, "password": PASSWORD})
    assert response.status_code == 200  # not an auditor
    assert client.get("/regasu/manage/").status_code == 200


def test_the_ward_console_only_posts_its_own_sign_in_steps(any_app: Flask) -> None:
    own_steps = {
        "ward.login",
        "ward.first_password",
        "ward.enrol",
        "ward.verify",
        "ward.logout",
        "ward.security",
        "ward.password",
        "ward.sign_out_everywhere",  # the auditor's own sessions (platform schema)
        "ward_audit.review",  # the ward's one write: a finding's review (platform schema)
    }
    for rule in any_app.url_map.iter_rules():
        if not rule.rule.startswith("/ward"):
            continue
        view = any_app.view_functions[rule.endpoint]
        assert getattr(view, "access", None), f"{rule.endpoint} has no @access"
        if "POST" in (rule.methods or ()):
            assert rule.endpoint in own_steps, f"{rule.endpoint} writes"
        if rule.endpoint not in own_steps - {"ward.security", "ward.password"}:
            assert PUBLIC not in view.access


def test_every_staff_and_ward_view_declares_access(any_app: Flask) -> None:
    public = {"login", "first_password", "enrol", "verify", "logout"}
    seen = 0
    for endpoint, view in any_app.view_functions.items():
        blueprint, _, name = endpoint.partition(".")
        if blueprint not in ("staff", "ward"):
            continue
        seen += 1
        assert getattr(view, "access", None), endpoint
        assert (PUBLIC in view.access) == (name in public), endpoint
    assert seen >= 15


def test_reset_and_remove_auditors_from_the_cli(any_app: Flask) -> None:
    auditor = make_auditor(any_app)
    client = any_app.test_client()
    sign_in(any_app, client, auditor)
    runner = any_app.test_cli_runner()

    reset = runner.invoke(args=["ward", "reset-auditor", auditor.login])
    assert reset.exit_code == 0, reset.output
    found = re.search(r"initial password \(shown once\): (\S+)", reset.output)
    assert found
    assert is_login_redirect(client.get("/ward/"), "/ward")
    response = client.post("/ward/login", data={"login": auditor.login, "password": found.group(1)})
    assert response.headers["Location"] == "/ward/first-password"

    removed = runner.invoke(args=["ward", "remove-auditor", auditor.login])
    assert removed.exit_code == 0, removed.output
    response = client.post("/ward/login", data={"login": auditor.login, "password": found.group(1)})
    assert response.status_code == 200  # refused
    unknown = runner.invoke(args=["ward", "remove-auditor", auditor.login])
    assert unknown.exit_code == 1 and "No active account" in unknown.output


def test_an_auditor_replaces_the_initial_password(any_app: Flask) -> None:
    auditor = make_auditor(any_app)
    client = english(any_app.test_client())
    sign_in(any_app, client, auditor)
    new = "a brand new passphrase"
    changed = client.post(
        "/ward/password", data={"current": PASSWORD, "password": new, "confirm": new}
    )
    assert changed.headers["Location"] == "/ward/"
    assert client.get("/ward/").status_code == 200  # this session continues
    client.post("/ward/logout")
    assert password_step(client, auditor).status_code == 200  # the old one no longer works
    assert password_step(client, auditor, password=new).headers["Location"] == "/ward/verify"
