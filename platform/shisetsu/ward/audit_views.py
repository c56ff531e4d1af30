"""The ward's audit pages at ``/ward/audit``: findings (and their review), incidents, and
the access-log search, across every tenant.

Auditors only read tenant data, and each read is logged in that tenant's log. The one
thing they write is the review of a finding, kept in the platform schema (see
:mod:`shisetsu.audit.findings`). The tenant is a ``slug`` argument here, never the
``<tenant>`` URL part: that would bind the request to the tenant, and an auditor is not a
principal of any tenant.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from shisetsu.audit.findings import AlreadyReviewed, review_finding
from shisetsu.audit.forms import LogSearchForm, ReviewForm
from shisetsu.audit.labels import (
    describe,
    log_action,
    log_actor,
    log_detail,
    log_record,
    rule_label,
    severity_label,
)
from shisetsu.audit.operations import PLATFORM_SCOPE, request_actor
from shisetsu.auth.access import AUDITOR, access
from shisetsu.dates import local_time
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.tenancy.models import Tenant
from shisetsu.ward import console
from shisetsu.ward.web import app_object, audited_tenant_or_404

bp = Blueprint("ward_audit", __name__, url_prefix="/ward/audit")
STATES = ("open", "reviewed", "all")


@bp.context_processor
def _context() -> dict[str, Any]:
    return {
        "describe": describe,
        "log_action": log_action,
        "log_actor": log_actor,
        "log_detail": log_detail,
        "log_record": log_record,
        "rule_label": rule_label,
        "severity_label": severity_label,
        "local_time": local_time,
    }


def _filter_tenants() -> tuple[list[Tenant], str | None]:
    slug = request.args.get("slug") or None
    tenants = console.audited_tenants(db.session(), slug)
    if slug is not None and not tenants:
        abort(404)
    return tenants, slug


@bp.get("/findings")
@access(AUDITOR)
def findings() -> str:
    """Every tenant's findings (or one tenant's, with ``?slug=``), open ones by default."""
    tenants, slug = _filter_tenants()
    state = request.args.get("state", "open")
    state = state if state in STATES else "open"
    rows = console.findings_across(
        app_object(), db.session(), tenants, request_actor(), state=state
    )
    return render_template(
        "ward/audit/findings.html", rows=rows, slug=slug, state=state, states=STATES
    )


@bp.get("/findings/<slug>/<int:finding_id>")
@access(AUDITOR)
def finding(slug: str, finding_id: int) -> str:
    """One finding, with the review form while it is not reviewed."""
    row = _finding_or_404(slug, finding_id)
    return _finding_page(row, ReviewForm(formdata=None))


@bp.post("/findings/<slug>/<int:finding_id>/review")
@access(AUDITOR)
def review(slug: str, finding_id: int) -> ResponseReturnValue:
    """The one write of the ward: mark a finding reviewed, with a comment."""
    row = _finding_or_404(slug, finding_id)
    form = ReviewForm()
    if row.review is not None:
        flash(_("Another auditor reviewed this finding in the meantime."), "error")
    elif not form.validate_on_submit():
        return _finding_page(row, form), 422
    else:
        try:
            review_finding(
                db.session(),
                slug=slug,
                finding=row.finding,
                actor=request_actor(),
                comment=form.comment.data or "",
                now=utcnow(),
            )
        except AlreadyReviewed:
            db.session.rollback()
            flash(_("Another auditor reviewed this finding in the meantime."), "error")
        else:
            db.session.commit()
            flash(_("The finding is marked as reviewed."), "success")
    return redirect(url_for(".finding", slug=slug, finding_id=finding_id))


def _finding_or_404(slug: str, finding_id: int) -> console.FindingRow:
    tenant = audited_tenant_or_404(slug)
    row = console.one_finding(app_object(), db.session(), tenant, finding_id, request_actor())
    if row is None:
        abort(404)
    return row


def _finding_page(row: console.FindingRow, form: ReviewForm) -> str:
    return render_template(
        "audit/finding.html",
        finding=row.finding,
        review=row.review,
        ward_tenant=row.tenant,
        form=form if row.review is None else None,
        layout="layouts/ward.html",
    )


@bp.get("/incidents")
@access(AUDITOR)
def incidents() -> str:
    """Every tenant's incident register (or one tenant's, with ``?slug=``)."""
    tenants, slug = _filter_tenants()
    rows = console.incidents_across(app_object(), tenants, request_actor())
    return render_template("ward/audit/incidents.html", rows=rows, slug=slug)


@bp.get("/incidents/<slug>/<int:incident_id>")
@access(AUDITOR)
def incident(slug: str, incident_id: int) -> str:
    """One incident report of one tenant."""
    tenant = audited_tenant_or_404(slug)
    found = console.one_incident(app_object(), tenant, incident_id, request_actor())
    if found is None:
        abort(404)
    return render_template(
        "audit/incident.html", incident=found, ward_tenant=tenant, layout="layouts/ward.html"
    )


@bp.get("/access-log/<slug>")
@access(AUDITOR)
def access_log(slug: str) -> str:
    """Search one tenant's access log (``platform``: the platform's own log)."""
    form = LogSearchForm(request.args)
    tenant = None if slug == PLATFORM_SCOPE else audited_tenant_or_404(slug)
    entries: list[Any] = []
    if not request.args or form.validate():
        query = console.log_query(form.data)
        actor = request_actor()
        if tenant is None:
            entries = console.search_platform_log(db.session(), query, actor)
        else:
            entries = console.search_tenant_log(app_object(), slug, query, actor)
    return render_template(
        "ward/audit/access_log.html", form=form, entries=entries, ward_tenant=tenant, slug=slug
    )
