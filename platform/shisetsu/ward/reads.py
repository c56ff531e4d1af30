"""What the ward's usage and roster pages read from each tenant, every read logged there.

Like :mod:`shisetsu.ward.console`, each tenant is read through its own tenant-bound
session and the auditor's view is recorded in *that tenant's* access log in the same
transaction (``view`` of ``usage`` or ``staff_roster``). The results are plain data.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy.orm import Session

from shisetsu.audit.operations import Actor
from shisetsu.db import utcnow
from shisetsu.tenancy.models import Tenant
from shisetsu.tenancy.runtime import current_runtime
from shisetsu.ward import roster as roster_ops
from shisetsu.ward.console import read_tenant
from shisetsu.ward.usage import TenantUsage, tenant_usage

USAGE, ROSTER = "usage", "staff_roster"
"""Record types of the ward's views in the tenants' access logs."""


def usage_of(
    app: Flask, tenants: list[Tenant], actor: Actor, now: dt.datetime | None = None
) -> list[tuple[Tenant, TenantUsage]]:
    """Each tenant's usage over the window around today (the tenant's local date)."""
    moment = now or utcnow()

    def read(session: Session) -> TenantUsage:
        config = current_runtime().config
        today = moment.astimezone(ZoneInfo(config.timezone)).date()
        return tenant_usage(session, config, today)

    return [
        (tenant, read_tenant(app, tenant.slug, actor, read, record_type=USAGE))
        for tenant in tenants
    ]


def roster_of(
    app: Flask,
    tenants: list[Tenant],
    actor: Actor,
    *,
    page: int = 1,
    now: dt.datetime | None = None,
) -> list[tuple[Tenant, roster_ops.RosterPage]]:
    """Each tenant's staff roster (page ``page`` of it), the view logged in each tenant."""
    moment = now or utcnow()
    detail = f"page {page}"
    return [
        (
            tenant,
            read_tenant(
                app,
                tenant.slug,
                actor,
                lambda s: roster_ops.roster(s, moment, page=page),
                record_type=ROSTER,
                detail=detail,
            ),
        )
        for tenant in tenants
    ]
