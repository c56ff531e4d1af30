"""Signing in and out, the idle timeout (離席時のロック) and the consoles' absolute lifetime.

Signing out records the device's key as ended, so a copy of the cookie taken before is
refused from then on while the account's other devices stay signed in; "sign out everywhere"
bumps ``session_version`` instead, which ends every device at once.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, flash, session
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import Session

from shisetsu.auth.principals import AUDITOR, RESIDENT, Principal, ended_model, key_digest
from shisetsu.db import utcnow
from shisetsu.extensions import db

LAST_SEEN = "last_seen"
SIGNED_IN_AT = "signed_in_at"


def sign_in(principal: Principal) -> None:
    """Start a fresh session for ``principal`` (the old one is discarded: no fixation)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(principal)
    session[LAST_SEEN] = session[SIGNED_IN_AT] = int(time.time())


def sign_out() -> None:
    """End the session completely, on the server too: this device's key is recorded as ended."""
    user = current_user
    if user.is_authenticated and not user.via_token:
        end_device(db.session(), user.kind, user.device_key, now=utcnow())
        db.session.commit()
    logout_user()
    session.clear()


def end_device(session: Session, kind: str, device_key: str, *, now: datetime) -> None:
    """Record one device's session as ended until no cookie of it could still be accepted."""
    model = ended_model(kind)
    digest = key_digest(device_key)
    if session.get(model, digest) is None:
        keep = timedelta(hours=int(current_app.config.get("ENDED_SESSION_KEEP_HOURS", 24)))
        session.add(model(key_digest=digest, ended_at=now, expires_at=now + keep))
    if kind == AUDITOR:  # the platform schema has no tenant job to purge it
        purge_ended(session, model, now=now)


def sign_out_everywhere(record: Any) -> None:
    """End every session of ``record`` on every device (the caller commits)."""
    record.session_version = (record.session_version or 1) + 1


def purge_ended(session: Session, model: Any, *, now: datetime) -> int:
    """Delete ended-session rows past their keep time; returns how many."""
    result = session.execute(sa.delete(model).where(model.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)


def idle_limit_seconds(principal: Principal) -> int:
    """Staff and auditors time out sooner than residents (configurable)."""
    cfg = current_app.config
    minutes = (
        cfg.get("IDLE_TIMEOUT_RESIDENT_MINUTES", 30)
        if principal.kind == RESIDENT
        else cfg.get("IDLE_TIMEOUT_STAFF_MINUTES", 15)
    )
    return int(minutes) * 60


def lifetime_expired(principal: Principal, now: int) -> bool:
    """A console session (staff, auditor) ends a fixed time after sign-in, however active."""
    if principal.kind == RESIDENT:
        return False
    hours = int(current_app.config.get("STAFF_SESSION_HOURS", 12))
    started = session.get(SIGNED_IN_AT)
    return started is None or now - int(started) > hours * 3600


def enforce_idle_timeout() -> None:
    """Sign out a session idle too long or past its lifetime; otherwise note this activity."""
    if not current_user.is_authenticated or current_user.via_token:
        return
    now = int(time.time())
    last = session.get(LAST_SEEN)
    limit = idle_limit_seconds(current_user)
    if lifetime_expired(current_user, now):
        sign_out()
        flash(gettext("Your session has ended for safety. Please sign in again."), "info")
        return
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
