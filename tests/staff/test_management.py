"""The manager console: roles, adding, changing, resetting and removing staff, and the
wall between tenants (both databases)."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from shisetsu.auth.access import permits
from shisetsu.staff.views import CONSOLE_PAGES
from tests.support.staff import (
    PASSWORD,
    english,
    is_login_redirect,
    make_staff,
    page,
    password_step,
    sign_in,
    staff_row,
)

MANAGE = "/regasu/manage"


@pytest.mark.parametrize("role", ["counter", "handler"])
def test_only_the_responsible_person_manages_staff(any_app: Flask, role: str) -> None:
    person = make_staff(any_app, role=role)
    other = make_staff(any_app, role="counter")
    client = any_app.test_client()
    sign_in(any_app, client, person)
    assert client.get(f"{MANAGE}/").status_code == 200
    assert client.get(f"{MANAGE}/security").status_code == 200
    assert client.get(f"{MANAGE}/staff/").status_code == 403
    assert client.get(f"{MANAGE}/staff/new").status_code == 403
    assert (
        client.post(
            f"{MANAGE}/staff/new", data={"login": "x1", "display_name": "x", "role": "responsible"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"{MANAGE}/staff/{other.id}/role", data={"role": "responsible"}).status_code
        == 403
    )
    assert client.get(f"{MANAGE}/staff/{other.id}/remove").status_code == 403
    assert client.post(f"{MANAGE}/staff/{other.id}/remove").status_code == 403
    assert staff_row(any_app, other).active and staff_row(any_app, other).role == "counter"
    assert f"{MANAGE}/staff/" not in page(client.get(f"{MANAGE}/"))


def test_the_responsible_person_adds_staff_with_a_one_time_password(any_app: Flask) -> None:
    boss = make_staff(any_app)
    client = english(any_app.test_client())
    sign_in(any_app, client, boss)
    assert client.get(f"{MANAGE}/staff/").status_code == 200
    login = f"new{boss.login}"
    added = client.post(
        f"{MANAGE}/staff/new",
        data={"login": login, "display_name": "New Counter", "email": "", "role": "counter"},
    )
    assert added.status_code == 200
    assert added.headers["Cache-Control"] == "no-store"
    text = page(added)
    password = text.split('id="initial-password">')[1].split("<")[0]
    assert len(password) == 19
    assert "shown only this once" in text

    listing = page(client.get(f"{MANAGE}/staff/"))
    assert "New Counter" in listing and password not in listing

    duplicate = client.post(
        f"{MANAGE}/staff/new", data={"login": login.upper(), "display_name": "X", "role": "counter"}
    )
    assert "already in use" in page(duplicate)
    bad = client.post(
        f"{MANAGE}/staff/new", data={"login": "no spaces", "display_name": "X", "role": "counter"}
    )
    assert "A login must be" in page(bad)
    bad_role = client.post(
        f"{MANAGE}/staff/new", data={"login": "okname", "display_name": "X", "role": "boss"}
    )
    assert bad_role.status_code == 200 and "okname" not in page(client.get(f"{MANAGE}/staff/"))

    newcomer = any_app.test_client()
    first = newcomer.post(f"{MANAGE}/login", data={"login": login, "password": password})
    assert first.headers["Location"] == f"{MANAGE}/first-password"
    assert newcomer.get(f"{MANAGE}/enrol").headers["Location"] == f"{MANAGE}/first-password"


def test_changing_a_role_takes_effect_on_the_next_request(any_app: Flask) -> None:
    boss = make_staff(any_app)
    handler = make_staff(any_app, role="handler")
    boss_client, handler_client = english(any_app.test_client()), any_app.test_client()
    sign_in(any_app, boss_client, boss)
    sign_in(any_app, handler_client, handler)
    assert handler_client.get(f"{MANAGE}/staff/").status_code == 403

    changed = boss_client.post(f"{MANAGE}/staff/{handler.id}/role", data={"role": "responsible"})
    assert changed.headers["Location"] == f"{MANAGE}/staff/"
    assert "is now: Responsible person" in page(boss_client.get(f"{MANAGE}/staff/"))
    assert handler_client.get(f"{MANAGE}/staff/").status_code == 200

    own = boss_client.post(f"{MANAGE}/staff/{boss.id}/role", data={"role": "counter"})
    assert own.status_code == 302
    assert "cannot change your own role" in page(boss_client.get(f"{MANAGE}/staff/"))
    assert staff_row(any_app, boss).role == "responsible"


def test_removal_ends_the_members_sessions_immediately(any_app: Flask) -> None:
    boss = make_staff(any_app)
    member = make_staff(any_app, role="handler")
    boss_client, member_client = english(any_app.test_client()), any_app.test_client()
    sign_in(any_app, boss_client, boss)
    sign_in(any_app, member_client, member)

    confirm = boss_client.get(f"{MANAGE}/staff/{member.id}/remove")
    assert confirm.status_code == 200
    assert "signed out everywhere" in page(confirm)
    assert staff_row(any_app, member).active  # a GET changes nothing

    removed = boss_client.post(f"{MANAGE}/staff/{member.id}/remove")
    assert removed.headers["Location"] == f"{MANAGE}/staff/"
    assert "their sessions have ended" in page(boss_client.get(f"{MANAGE}/staff/"))
    row = staff_row(any_app, member)
    assert not row.active and row.removed_at is not None and row.removed_by_id == boss.id
    assert row.session_version == 2

    assert is_login_redirect(member_client.get(f"{MANAGE}/"), MANAGE)
    again = member_client.post(
        f"{MANAGE}/login", data={"login": member.login, "password": PASSWORD}
    )
    assert again.status_code == 200  # refused like a wrong password
    # Removed staff are 404 for further changes, and listed as removed.
    assert boss_client.get(f"{MANAGE}/staff/{member.id}/remove").status_code == 404
    assert "Removed staff" in page(boss_client.get(f"{MANAGE}/staff/"))


def test_a_responsible_person_cannot_remove_themselves(any_app: Flask) -> None:
    boss = make_staff(any_app)
    client = english(any_app.test_client())
    sign_in(any_app, client, boss)
    response = client.post(f"{MANAGE}/staff/{boss.id}/remove")
    assert response.status_code == 302
    assert "You cannot remove yourself" in page(client.get(f"{MANAGE}/staff/"))
    assert staff_row(any_app, boss).active
    assert client.get(f"{MANAGE}/").status_code == 200


def test_staff_of_one_tenant_mean_nothing_at_another(any_app: Flask) -> None:
    boss = make_staff(any_app, "regasu")
    client = any_app.test_client()
    sign_in(any_app, client, boss)
    for path in ("/genkikan/manage/", "/genkikan/manage/staff/", "/genkikan/manage/security"):
        assert is_login_redirect(client.get(path), "/genkikan/manage")
    # Signing in at genkikan with regasu's login fails: the account does not exist there.
    wrong = client.post("/genkikan/manage/login", data={"login": boss.login, "password": PASSWORD})
    assert wrong.status_code == 200
    assert client.get(f"{MANAGE}/").status_code == 200  # still signed in at regasu


def test_another_tenants_staff_id_is_a_404(any_app: Flask) -> None:
    genkikan_boss = make_staff(any_app, "genkikan")
    regasu_member = make_staff(any_app, "regasu", role="counter")
    while regasu_member.id <= genkikan_boss.id:  # an id genkikan has never used
        regasu_member = make_staff(any_app, "regasu", role="counter")
    client = any_app.test_client()
    sign_in(any_app, client, genkikan_boss)
    base = f"/genkikan/manage/staff/{regasu_member.id}"
    assert client.get(f"{base}/remove").status_code == 404
    assert client.post(f"{base}/remove").status_code == 404
    assert client.post(f"{base}/role", data={"role": "handler"}).status_code == 404
    assert staff_row(any_app, regasu_member).active
    assert staff_row(any_app, regasu_member).role == "counter"


def test_a_reset_gives_a_new_password_and_a_fresh_enrolment(any_app: Flask) -> None:
    boss = make_staff(any_app)
    member = make_staff(any_app, role="counter")
    boss_client, member_client = english(any_app.test_client()), any_app.test_client()
    sign_in(any_app, boss_client, boss)
    sign_in(any_app, member_client, member)
    assert "Reset sign-in" in page(boss_client.get(f"{MANAGE}/staff/{member.id}/reset"))

    done = boss_client.post(f"{MANAGE}/staff/{member.id}/reset")
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    password = page(done).split('id="initial-password">')[1].split("<")[0]
    assert is_login_redirect(member_client.get(f"{MANAGE}/"), MANAGE)
    assert password_step(member_client, member).status_code == 200  # old password is gone
    response = member_client.post(
        f"{MANAGE}/login", data={"login": member.login, "password": password}
    )
    assert response.headers["Location"] == f"{MANAGE}/first-password"
    assert staff_row(any_app, member).totp_enrolled_at is None
    assert staff_row(any_app, member).password_must_change

    own = boss_client.post(f"{MANAGE}/staff/{boss.id}/reset")
    assert own.status_code == 302
    assert "cannot reset your own sign-in" in page(boss_client.get(f"{MANAGE}/staff/"))


def test_staff_forms_need_the_csrf_token(any_app: Flask) -> None:
    boss = make_staff(any_app)
    member = make_staff(any_app, role="counter")
    client = any_app.test_client()
    sign_in(any_app, client, boss)
    any_app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"{MANAGE}/staff/{member.id}/remove").status_code == 400
    assert client.post(f"{MANAGE}/logout").status_code == 400
    assert staff_row(any_app, member).active


@pytest.mark.parametrize("role", ["responsible", "handler", "counter"])
def test_console_home_links_only_what_the_role_may_open(any_app: Flask, role: str) -> None:
    person = make_staff(any_app, role=role)
    client = english(any_app.test_client())
    sign_in(any_app, client, person)
    home = page(client.get(f"{MANAGE}/"))
    # Every page the console lists is a view of this app: a stale entry fails here.
    assert [e for e, _label in CONSOLE_PAGES if e not in any_app.view_functions] == []
    with any_app.test_request_context():
        for endpoint, _label in CONSOLE_PAGES:
            view = any_app.view_functions[endpoint]
            url = url_for(endpoint, tenant="regasu")
            allowed = permits(view.access, "staff", role)
            assert (f'href="{url}"' in home) == allowed, endpoint
            assert client.get(url).status_code == (200 if allowed else 403), endpoint
