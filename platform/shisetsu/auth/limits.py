"""Login rate limits per IP and per account (Flask-Limiter; Redis storage when configured)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, g, request

from shisetsu.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])


def _per_ip() -> str:
    return str(current_app.config.get("LOGIN_RATE_LIMIT_PER_IP", "30/minute;300/hour"))


def _per_account() -> str:
    return str(current_app.config.get("LOGIN_RATE_LIMIT_PER_ACCOUNT", "10/minute;50/hour"))


def _account_key() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    login = request.form.get("login") or (body.get("login") if isinstance(body, dict) else "")
    return f"{g.get('tenant_slug', '')}:{str(login or '').strip().lower()}"


def login_limits(view: F) -> F:
    """Apply both login limits to the POSTs of a sign-in view."""
    per_account = limiter.limit(
        _per_account, key_func=_account_key, methods=["POST"], scope="login-account"
    )
    per_ip = limiter.limit(_per_ip, methods=["POST"], scope="login-ip")
    return cast(F, per_ip(per_account(view)))


def signup_limits(view: F) -> F:
    """The per-IP limit alone, for POSTs that name no existing account (sign-up)."""
    return cast(F, limiter.limit(_per_ip, methods=["POST"], scope="signup-ip")(view))
