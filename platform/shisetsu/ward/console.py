"""What the ward's audit pages read: every tenant's findings, incidents and access log.

An auditor's request is bound to no tenant. Each tenant is read through its own
tenant-bound session as that tenant's ward role (on PostgreSQL it may read the tenant's
tables and append to its access log, nothing else), and every such read is logged in
*that tenant's* log with the auditor as actor, in the same transaction as the read. Rows
are detached before the session closes, so the pages can render them afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy.orm import Session

from shisetsu.audit import findings as finding_ops
from shisetsu.audit import incidents as incident_ops
from shisetsu.audit.models import Finding, FindingReview, Incident
from shisetsu.audit.operations import VIEW, Actor, LogQuery, record, search
from shisetsu.dates import TOKYO
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.models import Tenant
from shisetsu.ward.operations import tenants_for_audit

T = TypeVar("T")


@dataclass(frozen=True)
class FindingRow:
    """A finding with its tenant and the ward's review, if any."""

    tenant: Tenant
    finding: Finding
    review: FindingReview | None


@dataclass(frozen=True)
class IncidentRow:
    """An incident with its tenant."""

    tenant: Tenant
    incident: Incident


def audited_tenants(platform: Session, slug: str | None = None) -> list[Tenant]:
    """Active tenants (one, if ``slug`` is given and known; none if unknown)."""
    tenants = [t for t in tenants_for_audit(platform) if t.status == "active"]
    return [t for t in tenants if slug is None or t.slug == slug]


def read_tenant(
    app: Flask,
    slug: str,
    actor: Actor,
    read: Callable[[Session], T],
    *,
    record_type: str,
    record_id: object = None,
    detail: str | None = None,
) -> T:
    """``read(session)`` in ``slug``'s tenant, logged there as the auditor's view."""
    with tenant_session(app, slug, ward=True) as session:
        result = read(session)
        record(session, VIEW, record_type, record_id, detail=detail, actor=actor)
        session.expunge_all()
        session.commit()
    return result


def findings_across(
    app: Flask, platform: Session, tenants: list[Tenant], actor: Actor, *, state: str = "open"
) -> list[FindingRow]:
    """Findings of every tenant in ``tenants`` with their reviews, filtered by ``state``."""
    rows: list[FindingRow] = []
    for tenant in tenants:
        found = read_tenant(
            app, tenant.slug, actor, finding_ops.list_findings, record_type="audit_findings"
        )
        reviews = finding_ops.reviews_for(platform, tenant.slug, (f.key for f in found))
        for finding in found:
            review = reviews.get(finding.key)
            if state == "all" or (state == "reviewed") == (review is not None):
                rows.append(FindingRow(tenant, finding, review))
    rank = {"high": 0, "medium": 1, "low": 2}
    rows.sort(key=lambda r: (-r.finding.day.toordinal(), rank.get(r.finding.severity, 3)))
    return rows


def one_finding(
    app: Flask, platform: Session, tenant: Tenant, finding_id: int, actor: Actor
) -> FindingRow | None:
    """One finding of ``tenant`` with its review (None if the id is not that tenant's)."""
    finding = read_tenant(
        app,
        tenant.slug,
        actor,
        lambda s: finding_ops.get_finding(s, finding_id),
        record_type="audit_finding",
        record_id=finding_id,
    )
    if finding is None:
        return None
    review = finding_ops.reviews_for(platform, tenant.slug, [finding.key]).get(finding.key)
    return FindingRow(tenant, finding, review)


def incidents_across(app: Flask, tenants: list[Tenant], actor: Actor) -> list[IncidentRow]:
    """Every tenant's incidents, newest report first."""
    rows = [
        IncidentRow(tenant, incident)
        for tenant in tenants
        for incident in read_tenant(
            app, tenant.slug, actor, incident_ops.list_incidents, record_type="incidents"
        )
    ]
    rows.sort(key=lambda r: r.incident.reported_at, reverse=True)
    return rows


def one_incident(app: Flask, tenant: Tenant, incident_id: int, actor: Actor) -> Incident | None:
    """One incident of ``tenant`` (None if the id is not that tenant's)."""
    return read_tenant(
        app,
        tenant.slug,
        actor,
        lambda s: incident_ops.get_incident(s, incident_id),
        record_type="incident",
        record_id=incident_id,
    )


def log_query(form_data: dict[str, Any]) -> LogQuery:
    """A :class:`LogQuery` from the search form's data (dates are Japan days, inclusive)."""

    def start_of(day: date | None, shift: int = 0) -> datetime | None:
        if day is None:
            return None
        return datetime.combine(day + timedelta(days=shift), time(0), TOKYO)

    return LogQuery(
        actor=form_data.get("actor") or None,
        action=form_data.get("action") or None,
        record_type=form_data.get("record_type") or None,
        record_id=form_data.get("record_id") or None,
        since=start_of(form_data.get("since")),
        until=start_of(form_data.get("until"), 1),
    )


def search_tenant_log(app: Flask, slug: str, query: LogQuery, actor: Actor) -> list[Any]:
    """Search ``slug``'s access log; the search itself is logged there."""
    return read_tenant(
        app,
        slug,
        actor,
        lambda s: search(s, query),
        record_type="access_log",
        detail="search",
    )


def search_platform_log(platform: Session, query: LogQuery, actor: Actor) -> list[Any]:
    """Search the platform's log (auditor sign-ins); logged there; commits."""
    rows = search(platform, query)
    record(platform, VIEW, "access_log", detail="search", actor=actor)
    platform.commit()
    return rows
