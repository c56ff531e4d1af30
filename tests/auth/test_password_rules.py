"""The rules every new password passes (residents, staff, auditors): length, then zxcvbn."""

from __future__ import annotations

import pytest
from flask import Flask

from shisetsu.accounts.forms import PASSWORD_MESSAGES
from shisetsu.auth.passwords import password_problems
from shisetsu.demo.accounts import DEFAULT_PASSWORD, DemoRefused, demo_password


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("short", ["too_short"]),
        ("password1234", ["too_guessable", "common"]),
        ("aaaaaaaaaaaaaa", ["too_guessable", "repeats"]),
        ("qwertyuiopasdf", ["too_guessable", "common"]),
        ("abcdefghijklmn", ["too_guessable", "sequence"]),
        ("demo-password", ["too_guessable", "common"]),
        ("yamada-hanako1", ["too_guessable", "personal"]),
        ("correct horse battery", []),
        (DEFAULT_PASSWORD, []),
    ],
)
def test_password_problems_name_what_to_change(password: str, problems: list[str]) -> None:
    found = password_problems(password, login="hanako", personal=["Yamada Hanako", None])
    assert found == problems
    assert all(code in PASSWORD_MESSAGES for code in found)


def test_the_login_or_email_itself_is_refused() -> None:
    assert password_problems("hanako.yamada", login="hanako.yamada") == ["same_as_login"]
    email = "hanako.yamada@example.jp"
    assert password_problems(email.upper(), login="h1", personal=[email]) == ["same_as_login"]


def test_the_email_address_counts_as_personal() -> None:
    email = "kobayashi.tsuyoshi@example.jp"
    assert password_problems("kobayashi2026", personal=[email]) == ["too_guessable", "personal"]
    assert password_problems("kobayashi2026") == ["too_guessable", "dates"]
    assert password_problems("kobayashi-tsuyoshi-7", personal=[email]) == [
        "too_guessable",
        "personal",
    ]
    assert password_problems("kobayashi-tsuyoshi-7") == []


def test_a_weak_demo_password_is_refused(sqlite_app: Flask) -> None:
    sqlite_app.config["DEMO_PASSWORD"] = "password123"
    with pytest.raises(DemoRefused, match="too_guessable"):
        demo_password(sqlite_app)
    sqlite_app.config["DEMO_PASSWORD"] = ""
    assert demo_password(sqlite_app) == DEFAULT_PASSWORD


def test_sign_up_shows_the_hint_in_both_languages(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    data = {
        "login": "weakpw01",
        "email": "weakpw01@example.jp",
        "password": "password1234",
        "confirm": "password1234",
        "locale": "ja",
    }
    for lang, words in (
        ("en", ["easy to guess", "three or four unrelated words"]),
        ("ja", ["推測されやすい", "無関係な単語を3〜4個"]),
    ):
        client.set_cookie("lang", lang)
        page = client.post("/regasu/account/signup", data=data)
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        for word in words:
            assert word in body
