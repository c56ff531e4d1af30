"""Fanning a periodic job out to every active tenant, one job (and one session) each."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from shisetsu.extensions import db
from shisetsu.jobs.queue import enqueue
from shisetsu.jobs.runner import job_app
from shisetsu.tenancy.models import Tenant


def active_tenant_slugs(app: Flask) -> list[str]:
    """Slugs of the active tenants, oldest first (read from the platform registry)."""
    with app.app_context(), Session(db.engine) as session:
        query = sa.select(Tenant.slug).where(Tenant.status == "active").order_by(Tenant.id)
        return list(session.scalars(query))


def fan_out(func_path: str, app: Flask | None = None) -> list[str]:
    """Enqueue ``func_path`` once per active tenant (what the scheduler runs at each tick).

    Without Redis each tenant's job runs here and now, one after the other.
    """
    app = app if app is not None else job_app()
    slugs = active_tenant_slugs(app)
    with app.app_context():
        for slug in slugs:
            enqueue(func_path, tenant=slug)
    return slugs
