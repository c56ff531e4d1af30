"""The language a resident chose before signing in stays chosen, and becomes the account's."""

from __future__ import annotations

from flask import Flask

from tests.support.accounts import account_row, create_account, page, sign_in


def test_english_chosen_before_sign_in_stays_and_is_stored(app: Flask) -> None:
    account = create_account(app, locale="ja")
    client = app.test_client()
    client.get("/lang/en?next=/regasu/account/login")
    response = sign_in(client, account.login)
    assert response.status_code == 302
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    home = page(client.get("/regasu/account/"))
    assert '<html lang="en">' in home
    assert "My page" in home
    assert account_row(app, "regasu", account.login).locale == "en"


def test_without_a_choice_the_stored_language_is_used(app: Flask) -> None:
    account = create_account(app, locale="en")
    client = app.test_client()
    assert sign_in(client, account.login).status_code == 302
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    assert account_row(app, "regasu", account.login).locale == "en"


def test_japanese_chosen_before_sign_in_replaces_english(app: Flask) -> None:
    account = create_account(app, locale="en")
    client = app.test_client()
    client.set_cookie("lang", "ja")
    assert sign_in(client, account.login).status_code == 302
    assert '<html lang="ja">' in page(client.get("/regasu/account/"))
    assert account_row(app, "regasu", account.login).locale == "ja"


def test_an_unknown_cookie_value_changes_nothing(app: Flask) -> None:
    account = create_account(app, locale="en")
    client = app.test_client()
    client.set_cookie("lang", "fr")
    assert sign_in(client, account.login).status_code == 302
    assert account_row(app, "regasu", account.login).locale == "en"


def test_switching_language_while_signed_in_saves_it_on_the_account(app: Flask) -> None:
    account = create_account(app, locale="ja")
    client = app.test_client()
    assert sign_in(client, account.login).status_code == 302
    lottery = page(client.get("/regasu/lottery/"))
    # Signed in, the header's language choice is a form that saves it (mail follows it).
    assert 'action="/regasu/account/locale"' in lottery
    assert '<input type="hidden" name="next" value="/regasu/lottery/">' in lottery
    response = client.post(
        "/regasu/account/locale", data={"locale": "en", "next": "/regasu/lottery/"}
    )
    assert (response.status_code, response.headers["Location"]) == (302, "/regasu/lottery/")
    assert account_row(app, "regasu", account.login).locale == "en"
    assert '<html lang="en">' in page(client.get("/regasu/lottery/"))
    # Never sent to another site.
    for away in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/regasu/account/locale", data={"locale": "ja", "next": away})
        assert response.headers["Location"] == "/regasu/account/"
