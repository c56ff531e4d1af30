"""Password reset by mailed single-use link, password change, argon2 rehash (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from shisetsu.people.models import AccountToken
from shisetsu.tenancy.binding import tenant_session
from tests.test_accounts_support import (
    NEW_PASSWORD,
    PASSWORD,
    account_row,
    create_account,
    english,
    is_signed_in,
    last_mail,
    mails_to,
    page,
    sign_in,
    unique,
)

RESET = "/regasu/account/reset"


def new_password(password: str = NEW_PASSWORD) -> dict[str, str]:
    return {"password": password, "confirm": password}


def test_reset_by_mail_link(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app)
    before = account_row(any_app, "regasu", account.login)
    assert client.post(RESET, data={"login": account.email}).status_code == 302
    mail = last_mail(any_app, "regasu", account.email, "reset:")
    assert "Setting a new password" in mail.subject
    assert "60 minutes" in page(client.get("/regasu/account/login"))
    path = mail.link_path()
    assert path.startswith("/regasu/account/reset/")

    form = client.get(path)
    assert form.status_code == 200
    assert 'autocomplete="new-password"' in page(form)
    done = client.post(path, data=new_password())
    assert done.status_code == 302
    assert done.headers["Location"] == "/regasu/account/login"

    after = account_row(any_app, "regasu", account.login)
    assert after.password_hash != before.password_hash
    assert after.session_version == before.session_version + 1
    assert sign_in(client, account.login, PASSWORD).status_code == 200  # old one refused
    assert sign_in(client, account.login, NEW_PASSWORD).status_code == 302
    assert last_mail(any_app, "regasu", account.email, "password-changed:")


def test_reset_link_works_once(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app)
    client.post(RESET, data={"login": account.login})
    path = last_mail(any_app, "regasu", account.email, "reset:").link_path()
    assert client.post(path, data=new_password()).status_code == 302
    stored = account_row(any_app, "regasu", account.login).password_hash

    again = client.post(path, data=new_password("a third long password"))
    assert again.status_code == 410
    assert "already been used" in page(again)
    assert account_row(any_app, "regasu", account.login).password_hash == stored
    assert client.get(path).status_code == 410


def test_expired_reset_link_is_refused_with_a_clear_message(any_app: Flask) -> None:
    any_app.config["PASSWORD_RESET_MINUTES"] = 30
    client = english(any_app.test_client())
    account = create_account(any_app)
    client.post(RESET, data={"login": account.email})
    path = last_mail(any_app, "regasu", account.email, "reset:").link_path()
    with tenant_session(any_app, "regasu") as session:
        token = session.scalar(
            sa.select(AccountToken).where(
                AccountToken.account_id == account.id, AccountToken.purpose == "reset"
            )
        )
        assert token is not None
        expires = token.expires_at.replace(tzinfo=token.expires_at.tzinfo or UTC)
        assert timedelta(minutes=29) < expires - datetime.now(UTC) <= timedelta(minutes=30)
        token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    stored = account_row(any_app, "regasu", account.login).password_hash

    response = client.post(path, data=new_password())
    assert response.status_code == 410
    assert "This link has expired." in page(response)
    assert 'href="/regasu/account/reset"' in page(response)
    assert account_row(any_app, "regasu", account.login).password_hash == stored


def test_reset_request_answers_the_same_for_unknown_addresses(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app)
    nobody = f"{unique('nobody')}@example.jp"
    answers = []
    for address in (nobody, account.email):
        response = client.post(RESET, data={"login": address})
        assert response.status_code == 302
        answers.append((response.headers["Location"], page(client.get("/regasu/account/login"))))
    assert answers[0] == answers[1]
    assert mails_to(any_app, "regasu", nobody) == []
    assert len([m for m in mails_to(any_app, "regasu", account.email) if "reset" in m.key]) == 1


def test_reset_ends_every_other_session(any_app: Flask) -> None:
    account = create_account(any_app)
    elsewhere = any_app.test_client()
    sign_in(elsewhere, account.login)
    assert is_signed_in(elsewhere)

    client = any_app.test_client()
    client.post(RESET, data={"login": account.login})
    client.post(
        last_mail(any_app, "regasu", account.email, "reset:").link_path(), data=new_password()
    )
    assert not is_signed_in(elsewhere)


def test_reset_refuses_a_weak_password_and_keeps_the_link(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app)
    client.post(RESET, data={"login": account.login})
    path = last_mail(any_app, "regasu", account.email, "reset:").link_path()
    weak = client.post(path, data=new_password(account.login))
    assert weak.status_code == 200
    assert "must differ from the login ID" in page(weak)
    assert client.post(path, data=new_password()).status_code == 302  # link still usable


def test_reset_confirms_an_unverified_address_and_lifts_the_lock(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app, verified=False)
    locked = datetime.now(UTC) + timedelta(minutes=10)
    with tenant_session(any_app, "regasu") as session:
        session.execute(
            sa.text("UPDATE accounts SET locked_until = :t WHERE id = :i"),
            {"t": locked, "i": account.id},
        )
        session.commit()
    client.post(RESET, data={"login": account.login})
    client.post(
        last_mail(any_app, "regasu", account.email, "reset:").link_path(), data=new_password()
    )
    stored = account_row(any_app, "regasu", account.login)
    assert stored.email_verified_at is not None
    assert stored.locked_until is None
    assert sign_in(client, account.login, NEW_PASSWORD).status_code == 302


def test_an_older_reset_link_dies_with_the_newer_one(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app)
    client.post(RESET, data={"login": account.login})
    first = last_mail(any_app, "regasu", account.email, "reset:").link_path()
    client.post(RESET, data={"login": account.login})
    second = last_mail(any_app, "regasu", account.email, "reset:").link_path()
    assert first != second
    assert client.post(second, data=new_password()).status_code == 302
    assert client.post(first, data=new_password("yet another password")).status_code == 410


# --- change password ----------------------------------------------------------------------


def test_change_password(any_app: Flask) -> None:
    account = create_account(any_app)
    other = any_app.test_client()
    sign_in(other, account.login)
    client = english(any_app.test_client())
    sign_in(client, account.login)
    before = account_row(any_app, "regasu", account.login)

    wrong = client.post(
        "/regasu/account/password", data={"current": "not my password", **new_password()}
    )
    assert wrong.status_code == 200
    assert "The current password is not correct." in page(wrong)
    assert account_row(any_app, "regasu", account.login).password_hash == before.password_hash

    done = client.post("/regasu/account/password", data={"current": PASSWORD, **new_password()})
    assert done.status_code == 302
    assert done.headers["Location"] == "/regasu/account/"
    assert is_signed_in(client)  # this session continues …
    assert not is_signed_in(other)  # … every other one ends
    after = account_row(any_app, "regasu", account.login)
    assert after.session_version == before.session_version + 1
    assert sign_in(other, account.login, PASSWORD).status_code == 200
    assert sign_in(other, account.login, NEW_PASSWORD).status_code == 302
    mail = last_mail(any_app, "regasu", account.email, "password-changed:")
    assert "Your password was changed" in mail.subject


def test_change_password_checks_the_rules(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app)
    sign_in(client, account.login)
    for data, message in (
        (new_password("short"), "Use at least 10 characters"),
        ({"password": NEW_PASSWORD, "confirm": "different password"}, "not the same"),
        (new_password(account.email), "must differ from the login ID"),
    ):
        response = client.post("/regasu/account/password", data={"current": PASSWORD, **data})
        assert response.status_code == 200
        assert message in page(response), message
    assert sign_in(any_app.test_client(), account.login, PASSWORD).status_code == 302


# --- argon2id parameters --------------------------------------------------------------------


def test_hash_is_upgraded_on_sign_in_when_parameters_change(any_app: Flask) -> None:
    account = create_account(any_app)
    old = account_row(any_app, "regasu", account.login).password_hash
    assert old.startswith("$argon2id$") and ",t=1," in old
    any_app.config["ARGON2_TIME_COST"] = 2
    client = any_app.test_client()
    assert sign_in(client, account.login).status_code == 302
    new = account_row(any_app, "regasu", account.login).password_hash
    assert ",t=2," in new
    assert new != old
    assert sign_in(any_app.test_client(), account.login).status_code == 302  # still works

    wrong = any_app.test_client()
    any_app.config["ARGON2_TIME_COST"] = 3
    assert sign_in(wrong, account.login, "wrong password!").status_code == 200
    assert account_row(any_app, "regasu", account.login).password_hash == new  # no rehash
