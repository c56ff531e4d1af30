"""Transport settings that carry personal data: mail without TLS in production, and the
client address behind a TLS-terminating proxy (what the access log records)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask

from shisetsu import create_app
from shisetsu.audit.operations import request_actor
from shisetsu.config import ConfigError

PG_URL = "postgresql+psycopg://shisetsu@127.0.0.1:5432/shisetsu"
KEY = "k" * 48


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from no SHISETSU_* settings, whatever the shell exported."""
    for name in list(os.environ):
        if name.startswith("SHISETSU_"):
            monkeypatch.delenv(name)


def production(tmp_path: Path, smtp_url: str, **overrides: object) -> Flask:
    return create_app(
        {
            "ENV_NAME": "production",
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": KEY,
            "DATABASE_URL": PG_URL,
            "DATABASE_ROLE_SECRET": "a-long-random-database-role-secret-for-tests",
            "SMTP_URL": smtp_url,
            **overrides,
        }
    )


@pytest.mark.parametrize("url", ["smtp://mail.example.invalid:25", "smtp://u:p@mx.invalid:587"])
def test_production_refuses_mail_without_tls(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="without TLS") as info:
        production(tmp_path, url)
    assert "SHISETSU_SMTP_ALLOW_PLAINTEXT" in str(info.value)


@pytest.mark.parametrize(
    "url", ["smtps://u:p@mx.invalid:465", "smtp://u:p@mx.invalid:587?starttls=1"]
)
def test_production_takes_mail_with_tls(tmp_path: Path, url: str) -> None:
    assert production(tmp_path, url).config["SMTP_URL"] == url


def test_plain_mail_only_when_explicitly_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHISETSU_SMTP_ALLOW_PLAINTEXT", "true")
    app = production(tmp_path, "smtp://127.0.0.1:25")
    assert app.config["SMTP_ALLOW_PLAINTEXT"] is True


def test_development_keeps_a_local_plain_relay(tmp_path: Path) -> None:
    app = create_app(
        {
            "ENV_NAME": "development",
            "INSTANCE_PATH": str(tmp_path),
            "SMTP_URL": "smtp://127.0.0.1:1025",
        }
    )
    assert app.config["ENV_NAME"] == "development"


def _recorded_address(tmp_path: Path, hops: int, headers: dict[str, str]) -> str | None:
    app = create_app(
        {"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path), "PROXY_FIX_HOPS": hops}
    )
    app.add_url_rule("/_probe", "probe", lambda: request_actor().ip or "")
    response = app.test_client().get(
        "/_probe", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_behind_one_trusted_proxy_the_log_records_the_client(tmp_path: Path) -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    assert _recorded_address(tmp_path, 1, forwarded) == "198.51.100.7"


def test_a_spoofed_hop_beyond_the_trusted_proxy_is_ignored(tmp_path: Path) -> None:
    forwarded = {"X-Forwarded-For": "203.0.113.66, 198.51.100.7"}
    assert _recorded_address(tmp_path, 1, forwarded) == "198.51.100.7"


def test_without_a_configured_proxy_forwarded_headers_are_not_believed(tmp_path: Path) -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    assert _recorded_address(tmp_path, 0, forwarded) == "10.0.0.2"
