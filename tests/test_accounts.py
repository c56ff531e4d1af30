"""Resident accounts: sign-up, email verification, sign-in and sign-out (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.auth.tokens import token_digest
from shisetsu.people.models import Account, AccountToken
from shisetsu.tenancy.binding import tenant_session
from tests.test_accounts_support import (
    PASSWORD,
    account_row,
    create_account,
    english,
    error_summary,
    is_signed_in,
    last_mail,
    mails_to,
    page,
    sign_in,
    unique,
)


def signup(client: FlaskClient, slug: str = "regasu", **fields: str):  # type: ignore[no-untyped-def]
    data = {"email": "", "login": "", "password": PASSWORD, "confirm": PASSWORD, "locale": "en"}
    return client.post(f"/{slug}/account/signup", data={**data, **fields})


# --- sign-up and verification -----------------------------------------------------------


def test_signup_verify_and_sign_in(any_app: Flask) -> None:
    client = english(any_app.test_client())
    login = unique("taro")
    email = f"{login}@Example.JP"
    response = signup(client, email=email, login="")
    assert response.status_code == 302
    assert response.headers["Location"] == "/regasu/account/login"
    assert "We sent a confirmation link" in page(client.get("/regasu/account/login"))

    stored = account_row(any_app, "regasu", email.lower())  # login defaults to the email
    assert stored.email == email.lower()
    assert stored.email_verified_at is None
    assert stored.locale == "en"
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash

    mail = last_mail(any_app, "regasu", email.lower(), "verify:")
    assert "Please confirm your email address" in mail.subject
    path = mail.link_path()
    assert path.startswith("/regasu/account/verify/")
    token = path.rsplit("/", 1)[1]
    with tenant_session(any_app, "regasu") as session:
        row = session.scalar(sa.select(AccountToken).where(AccountToken.account_id == stored.id))
        assert row is not None and row.purpose == "verify"
        assert row.token_hash == token_digest(token)  # only the digest is stored
        assert token not in row.token_hash

    assert sign_in(client, email).status_code == 200  # not yet verified
    assert not is_signed_in(client)

    assert client.get(path).status_code == 200  # a confirm button; nothing used yet
    assert account_row(any_app, "regasu", email.lower()).email_verified_at is None
    confirmed = client.post(path)
    assert confirmed.status_code == 302
    assert account_row(any_app, "regasu", email.lower()).email_verified_at is not None

    response = sign_in(client, email.upper())  # case-insensitive
    assert response.status_code == 302
    assert response.headers["Location"] == "/regasu/account/"
    home = page(client.get("/regasu/account/"))
    assert email.lower() in home
    assert "My page" in home


def test_signup_with_a_login_id(client: FlaskClient, any_app: Flask) -> None:
    login = unique("hanako")
    assert signup(client, email=f"{login}@example.jp", login=login.upper()).status_code == 302
    account = account_row(any_app, "regasu", login)
    assert account.email == f"{login}@example.jp"
    client.post(last_mail(any_app, "regasu", account.email, "verify:").link_path())
    assert sign_in(client, login).status_code == 302  # by login id
    client.post("/regasu/account/logout")
    assert sign_in(client, account.email).status_code == 302  # or by email


def test_verification_link_is_single_use_and_expires(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app, verified=False)
    path = last_mail(any_app, "regasu", account.email, "verify:").link_path()
    assert client.post(path).status_code == 302
    again = client.post(path)
    assert again.status_code == 410
    assert "already been used" in page(again)

    other = create_account(any_app, verified=False)
    path = last_mail(any_app, "regasu", other.email, "verify:").link_path()
    with tenant_session(any_app, "regasu") as session:
        session.execute(
            sa.update(AccountToken)
            .where(AccountToken.account_id == other.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
    expired = client.post(path)
    assert expired.status_code == 410
    assert "expired" in page(expired)
    assert account_row(any_app, "regasu", other.login).email_verified_at is None
    assert client.get("/regasu/account/verify/not-a-token").status_code == 404


def test_expiry_follows_email_token_hours(any_app: Flask) -> None:
    any_app.config["EMAIL_TOKEN_HOURS"] = 3
    account = create_account(any_app, verified=False)
    with tenant_session(any_app, "regasu") as session:
        row = session.scalar(sa.select(AccountToken).where(AccountToken.account_id == account.id))
        assert row is not None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    left = expires - datetime.now(UTC)
    assert timedelta(hours=2, minutes=58) < left <= timedelta(hours=3)


def test_unverified_account_cannot_sign_in_and_can_resend(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app, verified=False)
    response = sign_in(client, account.login)
    assert response.status_code == 200
    text = page(response)
    assert "Your email address is not confirmed yet" in text
    assert 'action="/regasu/account/resend"' in text
    assert not is_signed_in(client)

    assert len(mails_to(any_app, "regasu", account.email)) == 1
    resent = client.post("/regasu/account/resend", data={"login": account.login})
    assert resent.status_code == 302
    verify_mails = [m for m in mails_to(any_app, "regasu", account.email) if "verify" in m.key]
    assert len(verify_mails) == 2
    client.post(verify_mails[-1].link_path())
    assert sign_in(client, account.login).status_code == 302


def test_resend_answers_the_same_for_unknown_and_verified_accounts(any_app: Flask) -> None:
    client = english(any_app.test_client())
    verified = create_account(any_app)
    answers = []
    for login in (unique("nobody"), verified.login):
        client.post("/regasu/account/resend", data={"login": login})
        answers.append(page(client.get("/regasu/account/login")))
    assert "If an account with that login ID is waiting" in answers[0]
    assert answers[0] == answers[1]
    assert len(mails_to(any_app, "regasu", verified.email)) == 1  # only the first one


def test_wrong_password_and_unknown_login_read_the_same(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app)
    wrong = error_summary(sign_in(client, account.login, "wrong password!"))
    unknown = error_summary(sign_in(client, unique("ghost"), "wrong password!"))
    assert "The login ID or password is not correct." in wrong
    assert wrong == unknown


# --- sign-up refusals -------------------------------------------------------------------


@pytest.mark.parametrize("case", ["login", "email", "login-is-email", "email-is-login"])
def test_taken_login_or_email_is_refused_without_detail(any_app: Flask, case: str) -> None:
    client = english(any_app.test_client())
    # A login id that looks like an address: nobody else may use it as an email either.
    existing = create_account(any_app, login=unique("who") + "@example.jp")
    fresh = unique("new")
    fields = {
        "login": {"login": existing.login, "email": f"{fresh}@example.jp"},
        "email": {"login": fresh, "email": existing.email.upper()},
        "login-is-email": {"login": existing.email, "email": f"{fresh}@example.jp"},
        "email-is-login": {"login": fresh, "email": existing.login},
    }[case]
    response = signup(client, **fields)
    assert response.status_code == 200
    summary = error_summary(response)
    assert "This login ID or email address cannot be used." in summary
    assert 'role="alert"' in summary
    with tenant_session(any_app, "regasu") as session:
        assert session.scalar(sa.select(Account).where(Account.login == fresh)) is None
        assert (
            session.scalar(sa.select(Account).where(Account.email == f"{fresh}@example.jp")) is None
        )


def test_password_rules_on_signup(client: FlaskClient, any_app: Flask) -> None:
    english(client)
    login = unique()
    cases = [
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters"),
        ({"password": PASSWORD, "confirm": PASSWORD + "x"}, "The two passwords are not the same"),
        ({"login": login, "password": login, "confirm": login}, "must differ from the login ID"),
        ({"email": "not-an-address"}, "Enter an email address like"),
        ({"email": ""}, "This item is required."),
    ]
    for overrides, message in cases:
        fields = {"email": f"{login}@example.jp", **overrides}
        response = signup(client, **fields)
        assert response.status_code == 200
        assert message in page(response), message
    with tenant_session(any_app, "regasu") as session:
        assert session.scalar(sa.select(Account).where(Account.email.like(f"{login}%"))) is None


def test_form_errors_are_linked_to_their_fields(client: FlaskClient) -> None:
    english(client)
    text = page(signup(client, email="bad", password="short", confirm="short"))
    assert '<div class="error-summary" role="alert"' in text
    assert '<a href="#email">' in text and '<a href="#password">' in text
    assert 'id="email-error"' in text
    assert 'aria-describedby="email-hint email-error"' in text
    assert 'aria-invalid="true"' in text


def test_forms_carry_labels_and_autocomplete(client: FlaskClient) -> None:
    signup_page = page(client.get("/regasu/account/signup"))
    for needle in (
        'autocomplete="email"',
        'autocomplete="username"',
        'autocomplete="new-password"',
        '<label for="email">',
        '<label for="password">',
        '<label for="locale">',
    ):
        assert needle in signup_page, needle
    login_page = page(client.get("/regasu/account/login"))
    assert 'autocomplete="current-password"' in login_page
    assert 'href="/regasu/account/reset"' in login_page
    assert 'href="/regasu/account/signup"' in login_page


# --- two operators, two accounts --------------------------------------------------------


def test_same_person_has_separate_accounts_per_operator(any_app: Flask) -> None:
    client = english(any_app.test_client())
    login = unique("both")
    email = f"{login}@example.jp"
    for slug in ("regasu", "genkikan"):
        assert signup(client, slug, email=email, login=login).status_code == 302
        client.post(last_mail(any_app, slug, email, "verify:").link_path())
    regasu = account_row(any_app, "regasu", login)
    genkikan = account_row(any_app, "genkikan", login)
    assert regasu.email == genkikan.email
    assert regasu.password_hash != genkikan.password_hash  # separately salted, separate rows

    assert sign_in(client, login, slug="regasu").status_code == 302
    assert client.get("/regasu/account/").status_code == 200
    elsewhere = client.get("/genkikan/account/")
    assert elsewhere.status_code == 302  # the regasu session means nothing at genkikan
    assert elsewhere.headers["Location"].startswith("/genkikan/account/login")
    assert "Signed in as" not in page(client.get("/genkikan/"))
    assert "Signed in as" in page(client.get("/regasu/"))


def test_a_signup_at_one_operator_is_unknown_at_the_other(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app, "regasu")
    assert "not correct" in page(sign_in(client, account.login, slug="genkikan"))


# --- pages that need a signed-in resident, and signing out -----------------------------


def test_home_requires_sign_in_and_returns_there(any_app: Flask) -> None:
    client = any_app.test_client()
    response = client.get("/regasu/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/regasu/account/login?next=/regasu/account/password"
    account = create_account(any_app)
    login_page = page(client.get(response.headers["Location"]))
    assert 'value="/regasu/account/password"' in login_page
    back = sign_in(client, account.login, next="/regasu/account/password")
    assert back.headers["Location"] == "/regasu/account/password"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/genkikan/account/", "/\\evil.example"]
)
def test_next_never_leaves_the_operator(any_app: Flask, target: str) -> None:
    client = any_app.test_client()
    account = create_account(any_app)
    response = sign_in(client, account.login, next=target)
    assert response.headers["Location"] == "/regasu/account/"


def test_sign_in_uses_the_account_language(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app, locale="en")
    sign_in(client, account.login)
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    client.post("/regasu/account/locale", data={"locale": "ja"})
    assert account_row(any_app, "regasu", account.login).locale == "ja"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "ja"


def test_logout_is_post_only(any_app: Flask) -> None:
    client = english(any_app.test_client())
    account = create_account(any_app)
    sign_in(client, account.login)
    assert client.get("/regasu/account/logout").status_code == 405
    assert is_signed_in(client)
    response = client.post("/regasu/account/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/regasu/"
    assert "You have signed out." in page(client.get("/regasu/"))
    assert not is_signed_in(client)


def test_menu_signs_out_through_the_resident_endpoint(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app)
    sign_in(client, account.login)
    assert 'action="/regasu/account/logout"' in page(client.get("/regasu/"))
