"""Portal, language switch, error pages, health check and security headers (both databases)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from shisetsu.tenancy.config import load_tenant_config
from tests.fixtures.apps import make_app

TENANTS = Path(__file__).resolve().parents[2] / "tenants"


def html_lang(response: TestResponse) -> str:
    found = re.search(r'<html lang="([a-z]+)">', response.get_data(as_text=True))
    assert found, "no <html lang> on the page"
    return found.group(1)


def test_portal_lists_the_tenants_in_japanese(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert html_lang(response) == "ja"
    page = response.get_data(as_text=True)
    assert "施設の運営者を選ぶ" in page
    assert '<a href="/regasu/">レガス（新宿未来創造財団）</a>' in page
    assert '<a href="/genkikan/">新宿区立元気館</a>' in page
    assert "Shinjuku City Genkikan" not in page


def test_switching_to_english(client: FlaskClient) -> None:
    response = client.get("/lang/en?next=/genkikan/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/genkikan/"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    assert cookie.http_only

    home = client.get("/genkikan/")
    assert html_lang(home) == "en"
    page = home.get_data(as_text=True)
    assert "<h1>Shinjuku City Genkikan</h1>" in page
    assert "Cooking Room" in page
    assert "調理室" not in page
    assert html_lang(client.get("/")) == "en"

    client.get("/lang/ja?next=/")
    assert html_lang(client.get("/genkikan/")) == "ja"


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    response = client.get("/lang/fr?next=/")
    assert response.status_code == 302
    assert client.get_cookie("lang") is None
    assert html_lang(client.get("/")) == "ja"


def test_a_tampered_language_cookie_falls_back_to_japanese(client: FlaskClient) -> None:
    client.set_cookie("lang", "xx")
    assert html_lang(client.get("/")) == "ja"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\t/evil.example",
        "evil.example",
        "javascript:x",
    ],
)
def test_language_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.get("/lang/en", query_string={"next": target})
    if "\t" in target:  # control characters are refused before any view
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_unknown_tenant_is_a_404_page(client: FlaskClient) -> None:
    for path in ("/nope/", "/Genkikan/", "/x/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert "404" in response.get_data(as_text=True)
    assert client.get("/api/v1/nope/facilities").mimetype == "application/json"


def test_tenant_home_lists_facilities_and_rooms(client: FlaskClient) -> None:
    response = client.get("/regasu/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>レガス（新宿未来創造財団）</h1>" in page
    assert "新宿コズミックスポーツセンター" in page
    config = load_tenant_config(TENANTS / "regasu" / "tenant.toml")
    for facility in config.facilities:
        assert facility.name.ja in page
        for room in facility.rooms:
            assert room.name.ja in page


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": True}}


def test_healthz_reports_an_unreachable_database(tmp_path: Path) -> None:
    app = make_app(tmp_path / "missing" / "folder")  # SQLite cannot create a file there
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": False}}


def test_healthz_checks_redis_when_configured(sqlite_app: Flask) -> None:
    sqlite_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = sqlite_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": True, "redis": False}


def test_security_headers(client: FlaskClient) -> None:
    for path in ("/", "/genkikan/", "/nope/", "/api/v1/tenants"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers  # production only


def test_an_unexpected_error_is_a_500_page_without_a_traceback(any_app: Flask) -> None:
    any_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production

    @any_app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    response = any_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "500" in page
    for leak in ("Traceback", "RuntimeError", "hunter2", "secret internals"):
        assert leak not in page
