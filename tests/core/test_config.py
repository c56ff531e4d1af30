"""Configuration order (TOML, SHISETSU_* environment, overrides) and the production guards."""

import os
from pathlib import Path

import pytest

from shisetsu import create_app
from shisetsu.config import DEFAULT_ROLE_SECRET, DEFAULT_SECRET_KEY, ConfigError

LONG_KEY = "k" * 40  # dummy, long enough
PG_URL = "postgresql+psycopg://shisetsu@127.0.0.1:5432/shisetsu"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from no SHISETSU_* settings, whatever the shell exported."""
    for name in list(os.environ):
        if name.startswith("SHISETSU_") or name == "SENTRY_DSN":
            monkeypatch.delenv(name)
    monkeypatch.setenv("SHISETSU_ENV", "development")  # explicit, as `make run` sets it


ROLE_SECRET = "a-long-random-database-role-secret-for-tests"


def production(tmp_path: Path, **overrides: object) -> dict[str, object]:
    return {
        "ENV_NAME": "production",
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_ROLE_SECRET": ROLE_SECRET,
        **overrides,
    }


def test_production_refuses_the_default_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="default secret key") as info:
        create_app(production(tmp_path, DATABASE_URL=PG_URL))
    assert "SHISETSU_SECRET_KEY" in str(info.value)


def test_production_refuses_the_default_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHISETSU_ENV", "production")
    monkeypatch.setenv("SHISETSU_SECRET_KEY", DEFAULT_SECRET_KEY)
    monkeypatch.setenv("SHISETSU_DATABASE_URL", PG_URL)
    with pytest.raises(ConfigError, match="default secret key"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SQLite"):
        create_app(production(tmp_path, SECRET_KEY=LONG_KEY))


def test_production_starts_with_a_key_and_postgres(tmp_path: Path) -> None:
    # Building the app does no database work, so no server is needed here.
    app = create_app(production(tmp_path, SECRET_KEY=LONG_KEY, DATABASE_URL=PG_URL))
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_environment_reaches_app_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHISETSU_REQUEST_LOG", "false")
    monkeypatch.setenv("SHISETSU_TENANTS_DIR", str(tmp_path / "tenants"))
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["ENV_NAME"] == "development"
    assert app.config["REQUEST_LOG"] is False  # parsed as JSON, not the string "false"
    assert app.config["TENANTS_DIR"] == tmp_path / "tenants"


def test_overrides_win_over_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHISETSU_TENANTS_DIR", "/from/env")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "TENANTS_DIR": str(tmp_path)})
    assert app.config["TENANTS_DIR"] == tmp_path


def test_relative_tenants_dir_is_under_the_project(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["TENANTS_DIR"] == Path(__file__).resolve().parents[2] / "tenants"


def test_sqlite_default_lives_in_the_instance_folder(tmp_path: Path) -> None:
    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'platform.db'}"
    assert app.config["TESTING"] is True


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/shisetsu", "postgresql://u@h/db", "postgres://u@h/db"]
)
def test_unsupported_database_url_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match=r"postgresql\+psycopg://"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url})


def test_unknown_environment_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHISETSU_ENV", "staging")
    with pytest.raises(ConfigError, match="SHISETSU_ENV"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_sentry_dsn_read_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []  # record instead of initialising the SDK (a process-wide change)
    monkeypatch.setattr(
        "shisetsu.app.init_sentry", lambda app: seen.append(app.config["SENTRY_DSN"])
    )
    monkeypatch.setenv("SENTRY_DSN", "https://public@sentry.example/1")
    create_app({"INSTANCE_PATH": str(tmp_path)})
    assert seen == ["https://public@sentry.example/1"]


def test_no_sentry_dsn_by_default(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert not app.config.get("SENTRY_DSN")


def test_unset_environment_with_a_real_database_is_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHISETSU_ENV")
    monkeypatch.setenv("SHISETSU_DATABASE_URL", PG_URL)
    monkeypatch.setenv("SHISETSU_DATABASE_ROLE_SECRET", ROLE_SECRET)
    with pytest.raises(ConfigError, match="SHISETSU_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})
    monkeypatch.setenv("SHISETSU_SECRET_KEY", LONG_KEY)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["ENV_NAME"] == "production"
    assert "dev_mail" not in app.blueprints


def test_unset_environment_with_a_mail_relay_is_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHISETSU_ENV")
    monkeypatch.setenv("SHISETSU_SMTP_URL", "smtps://relay.example.jp:465")
    monkeypatch.setenv("SHISETSU_DATABASE_ROLE_SECRET", ROLE_SECRET)
    monkeypatch.setenv("SHISETSU_SECRET_KEY", LONG_KEY)
    monkeypatch.setenv("SHISETSU_DATABASE_URL", PG_URL)
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["ENV_NAME"] == "production"


def test_unset_environment_refuses_the_default_key_even_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHISETSU_ENV")
    with pytest.raises(ConfigError, match="SHISETSU_ENV=development"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("key", ["x", "k" * 31, DEFAULT_SECRET_KEY])
def test_production_refuses_a_short_or_default_key(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match="32 bytes"):
        create_app(production(tmp_path, SECRET_KEY=key, DATABASE_URL=PG_URL))


def test_production_accepts_a_32_byte_key(tmp_path: Path) -> None:
    app = create_app(production(tmp_path, SECRET_KEY="k" * 32, DATABASE_URL=PG_URL))
    assert app.config["SECRET_KEY"] == "k" * 32


def test_dev_mail_only_on_the_embedded_default(tmp_path: Path) -> None:
    embedded = create_app({"ENV_NAME": "development", "INSTANCE_PATH": str(tmp_path)})
    assert "dev_mail" in embedded.blueprints
    on_postgres = create_app(
        {"ENV_NAME": "development", "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": PG_URL}
    )
    assert "dev_mail" not in on_postgres.blueprints
    with_relay = create_app(
        {"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path), "SMTP_URL": "smtp://127.0.0.1:25"}
    )
    assert "dev_mail" not in with_relay.blueprints


@pytest.mark.parametrize("secret", [DEFAULT_ROLE_SECRET, "short", ""])
def test_production_refuses_a_guessable_database_role_secret(tmp_path: Path, secret: str) -> None:
    settings = production(
        tmp_path, SECRET_KEY=LONG_KEY, DATABASE_URL=PG_URL, DATABASE_ROLE_SECRET=secret
    )
    with pytest.raises(ConfigError, match="SHISETSU_DATABASE_ROLE_SECRET"):
        create_app(settings)


@pytest.mark.parametrize(
    ("key", "value"),
    [("TENANT_POOL_SIZE", 0), ("TENANT_POOL_OVERFLOW", -1), ("TENANT_POOLS_MAX", "many")],
)
def test_tenant_pool_settings_must_be_whole_numbers(
    tmp_path: Path, key: str, value: object
) -> None:
    with pytest.raises(ConfigError, match=f"SHISETSU_{key}"):
        create_app({"INSTANCE_PATH": str(tmp_path), key: value})
