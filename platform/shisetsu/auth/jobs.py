"""Periodic clean-up of the sign-in bookkeeping of one tenant."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from shisetsu.auth.lockout import purge_unknown_logins
from shisetsu.auth.sessions import purge_ended
from shisetsu.db import utcnow
from shisetsu.people.models import EndedSession, UnknownLogin


def purge_job(session: Session) -> None:
    """Forget signed-out devices past their keep time and stale unknown-login counters."""
    now = utcnow()
    purge_ended(session, EndedSession, now=now)
    purge_unknown_logins(session, UnknownLogin, before=now - timedelta(days=1))
