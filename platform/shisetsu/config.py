"""Configuration: TOML files in config/, then SHISETSU_* environment variables, then overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask

from shisetsu.paths import CONFIG_DIR, PROJECT_ROOT

DEFAULT_SECRET_KEY = "dev-insecure-secret-key"  # noqa: S105 (the value production refuses)
DEFAULT_ROLE_SECRET = "dev-insecure-database-role-secret"  # noqa: S105 (refused there too)
MIN_ROLE_SECRET = 32
ENVIRONMENTS = ("development", "testing", "production")
DEV_ENVIRONMENTS = ("development", "testing")
MIN_SECRET_KEY_BYTES = 32


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config`` in the documented order and check it."""
    explicit = (overrides or {}).get("ENV_NAME") or os.environ.get("SHISETSU_ENV")
    env = explicit or _implied_environment()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"SHISETSU_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    for name in ("defaults", env):
        app.config.update(_read_toml(CONFIG_DIR / f"{name}.toml"))
    app.config.from_prefixed_env("SHISETSU")
    if os.environ.get("SENTRY_DSN"):
        app.config["SENTRY_DSN"] = os.environ["SENTRY_DSN"]
    app.config.update(overrides or {})
    app.config["ENV_NAME"] = env
    app.config["ENV_EXPLICIT"] = bool(explicit)
    _derive(app)
    _check(app)


def _implied_environment() -> str:
    """Without ``SHISETSU_ENV``: production as soon as a real database or mail relay is set.

    Fails closed: a deployment that forgot the setting must not run with development's
    mail viewer and secret key.
    """
    database = os.environ.get("SHISETSU_DATABASE_URL", "")
    if (database and not database.startswith("sqlite")) or os.environ.get("SHISETSU_SMTP_URL"):
        return "production"
    return "development"


def is_embedded_development(cfg: Mapping[str, Any]) -> bool:
    """Development or testing on the embedded default (SQLite, no mail relay)."""
    return (
        cfg.get("ENV_NAME") in DEV_ENVIRONMENTS
        and str(cfg.get("DATABASE_URL", "")).startswith("sqlite")
        and not cfg.get("SMTP_URL")
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _derive(app: Flask) -> None:
    """Turn the short settings into the ones the extensions read."""
    cfg = app.config
    instance = Path(app.instance_path)
    tenants_dir = Path(cfg["TENANTS_DIR"])
    cfg["TENANTS_DIR"] = tenants_dir if tenants_dir.is_absolute() else PROJECT_ROOT / tenants_dir
    url = cfg.get("DATABASE_URL") or f"sqlite:///{instance / 'platform.db'}"
    cfg["DATABASE_URL"] = url
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg["DATABASE_ADMIN_URL"] = cfg.get("DATABASE_ADMIN_URL") or url
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        # Platform tables carry schema "platform"; in the platform file they live in main.
        options["execution_options"] = {"schema_translate_map": {"platform": None}}
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)
    cfg.setdefault("RATELIMIT_STORAGE_URI", cfg.get("REDIS_URL") or "memory://")
    if cfg.get("ENV_NAME") == "production":
        cfg.setdefault("SESSION_COOKIE_SECURE", True)


def _check(app: Flask) -> None:
    cfg = app.config
    if not (cfg["ENV_EXPLICIT"] and cfg["ENV_NAME"] in DEV_ENVIRONMENTS):
        _check_secret_key(cfg)
    if cfg["ENV_NAME"] == "production":
        if str(cfg["DATABASE_URL"]).startswith("sqlite"):
            raise ConfigError(
                "Refusing to start in production on SQLite: set SHISETSU_DATABASE_URL "
                "to a postgresql+psycopg:// URL."
            )
        _check_mail_transport(cfg)
    _check_role_secret(cfg)
    _check_tenant_pools(cfg)
    url = str(cfg["DATABASE_URL"])
    if not (url.startswith("sqlite") or url.startswith("postgresql+psycopg://")):
        raise ConfigError(
            "SHISETSU_DATABASE_URL must be empty (SQLite) or start with postgresql+psycopg://"
        )


def _check_secret_key(cfg: Mapping[str, Any]) -> None:
    """Outside an explicit development or testing setting the key must be long and our own."""
    key = cfg.get("SECRET_KEY") or ""
    size = len(key.encode() if isinstance(key, str) else key)
    if key == DEFAULT_SECRET_KEY or size < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"Refusing to start ({cfg['ENV_NAME']}) with the default secret key or one shorter "
            f"than {MIN_SECRET_KEY_BYTES} bytes: set SHISETSU_SECRET_KEY to a long random value "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))"), or set '
            "SHISETSU_ENV=development for a development machine on SQLite."
        )


def _check_role_secret(cfg: Mapping[str, Any]) -> None:
    """The tenants' database passwords derive from this secret: refuse a guessable one."""
    if not str(cfg["DATABASE_URL"]).startswith("postgresql"):
        return
    secret = str(cfg.get("DATABASE_ROLE_SECRET") or "")
    production = cfg["ENV_NAME"] == "production"
    if not secret or (
        production and (secret == DEFAULT_ROLE_SECRET or len(secret) < MIN_ROLE_SECRET)
    ):
        raise ConfigError(
            "Set SHISETSU_DATABASE_ROLE_SECRET to a long random value "
            f"(at least {MIN_ROLE_SECRET} characters; the default is refused in production): "
            "the tenants' database passwords derive from it. After changing it, run "
            "`shisetsu tenants migrate`."
        )


def _check_tenant_pools(cfg: Mapping[str, Any]) -> None:
    """Pool sizes are whole numbers: 0 connections kept would mean no limit to SQLAlchemy."""
    for key, least in (
        ("TENANT_POOL_SIZE", 1),
        ("TENANT_POOL_OVERFLOW", 0),
        ("TENANT_POOLS_MAX", 1),
    ):
        value = cfg.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ConfigError(f"SHISETSU_{key} must be a whole number of at least {least}.")


def _check_mail_transport(cfg: Mapping[str, Any]) -> None:
    """Production mail carries personal data: refuse SMTP without TLS unless allowed."""
    url = str(cfg.get("SMTP_URL") or "")
    if not url or cfg.get("SMTP_ALLOW_PLAINTEXT"):
        return
    parts = urlsplit(url)
    starttls = parse_qs(parts.query).get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    if parts.scheme != "smtps" and not starttls:
        raise ConfigError(
            "Refusing to send mail without TLS in production: use smtps://host:465 or "
            "smtp://host:587?starttls=1 in SHISETSU_SMTP_URL, or set "
            "SHISETSU_SMTP_ALLOW_PLAINTEXT=true for a relay on the same host."
        )
