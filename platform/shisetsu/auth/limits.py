"""Login rate limits per IP and per account (Flask-Limiter; Redis storage when configured).

With Redis down the limiter counts in this process's memory (logged by Flask-Limiter);
:func:`init_app` brings it back to Redis once Redis answers again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, request

from shisetsu.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])
# How often a process counting in memory looks whether the shared storage is back.
RECHECK_SECONDS = 5.0
_RECHECK_KEY = "shisetsu.limiter_recheck"


def init_app(app: Flask) -> None:
    """Return to the shared storage when it answers again: Flask-Limiter falls back to
    memory by itself but, with only per-view limits, does not come back."""
    app.extensions[_RECHECK_KEY] = 0.0
    app.before_request(_recover_storage)


def _recover_storage() -> None:
    if not getattr(limiter, "_storage_dead", False):
        return
    now = time.monotonic()
    if now - current_app.extensions[_RECHECK_KEY] < RECHECK_SECONDS:
        return
    current_app.extensions[_RECHECK_KEY] = now
    try:
        back = limiter.storage.check()
    except Exception:
        back = False
    if back:
        limiter._storage_dead = False  # the attribute Flask-Limiter's fallback switches on
        current_app.logger.warning("rate limit storage reachable again: limits are shared")


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
