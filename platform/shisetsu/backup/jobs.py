"""``expire_job`` (daily): delete the tenant's backups older than ``[retention] backup_days``.

Backups keep personal data after it was erased in the live tenant; expiring them on the
tenant's schedule bounds how long an erased person survives in a backup.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.backup.operations import expire_backups
from shisetsu.db import TENANT_KEY, utcnow
from shisetsu.tenancy.runtime import current_runtime


def expire_job(session: Session) -> dict[str, Any]:
    """Delete the expired backup files and log it in the tenant's log (the runner commits)."""
    slug = str(session.info[TENANT_KEY].slug)
    days = current_runtime().config.retention.backup_days
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    expired = expire_backups(app, slug, days, utcnow())
    for digest in expired:
        audit.record(session, audit.DELETE, "backup", digest[:16], detail=f"older than {days} days")
    return {"expired": expired}
