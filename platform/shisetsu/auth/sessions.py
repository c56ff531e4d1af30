"""Signing in and out, and the idle timeout (離席時のロック)."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, session
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from shisetsu.auth.principals import Principal

LAST_SEEN = "last_seen"


def sign_in(principal: Principal) -> None:
    """Start a fresh session for ``principal`` (the old one is discarded: no fixation)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(principal)
    session[LAST_SEEN] = int(time.time())


def sign_out() -> None:
    """End the session completely."""
    logout_user()
    session.clear()


def idle_limit_seconds(principal: Principal) -> int:
    """Staff and auditors time out sooner than residents (configurable)."""
    cfg = current_app.config
    minutes = (
        cfg.get("IDLE_TIMEOUT_RESIDENT_MINUTES", 30)
        if principal.kind == "resident"
        else cfg.get("IDLE_TIMEOUT_STAFF_MINUTES", 15)
    )
    return int(minutes) * 60


def enforce_idle_timeout() -> None:
    """Sign out a session that has been idle too long; otherwise note this activity."""
    if not current_user.is_authenticated or current_user.via_token:
        return
    now = int(time.time())
    last = session.get(LAST_SEEN)
    limit = idle_limit_seconds(current_user)
    if last is None or now - int(last) > limit:
        sign_out()
        flash(
            gettext(
                "You were signed out after %(minutes)s minutes without activity. "
                "Please sign in again.",
                minutes=limit // 60,
            ),
            "info",
        )
        return
    session[LAST_SEEN] = now


def init_app(app: Flask) -> None:
    """Check the idle timeout before every view."""
    app.before_request(enforce_idle_timeout)
