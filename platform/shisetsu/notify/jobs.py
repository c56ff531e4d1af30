"""The outbox's job: triggered after a commit that queued mail, and swept every minute."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.orm import Session

from shisetsu.notify.relay import relay_outbox


def relay_job(session: Session) -> dict[str, int]:
    """Send the tenant's due mail (``session`` is bound by the job runner)."""
    return asdict(relay_outbox(session))
