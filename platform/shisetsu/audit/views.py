"""The operator's audit pages at ``/<tenant>/manage/audit``: findings and incidents.

取扱責任者 and 取扱者 read the findings of their own tenant (with the ward's review, once
there is one); every staff member may report an incident and read the register. Another
tenant's finding or incident id is simply not in this schema: 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu.audit import findings as finding_ops
from shisetsu.audit import incidents as incident_ops
from shisetsu.audit.forms import IncidentForm
from shisetsu.audit.labels import describe, rule_label, severity_label
from shisetsu.auth.access import ANY_STAFF, OPERATIONS, access
from shisetsu.dates import local_time
from shisetsu.db import utcnow
from shisetsu.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/<tenant>/manage/audit")


@bp.context_processor
def _context() -> dict[str, Any]:
    return {
        "tenant": g.tenant,
        "describe": describe,
        "rule_label": rule_label,
        "severity_label": severity_label,
        "local_time": local_time,
    }


@bp.get("/findings/")
@access(*OPERATIONS)
def findings() -> str:
    """What the daily analysis of the access log found, newest day first."""
    rows = finding_ops.list_findings(db.session())
    reviews = finding_ops.platform_reviews_for(g.tenant_slug, (f.key for f in rows))
    return render_template("audit/manage/findings.html", findings=rows, reviews=reviews)


@bp.get("/findings/<int:finding_id>")
@access(*OPERATIONS)
def finding(finding_id: int) -> str:
    """One finding, with the ward's review once there is one."""
    found = finding_ops.get_finding(db.session(), finding_id)
    if found is None:
        abort(404)
    review = finding_ops.platform_reviews_for(g.tenant_slug, [found.key]).get(found.key)
    return render_template(
        "audit/finding.html", finding=found, review=review, layout="layouts/staff.html"
    )


@bp.get("/incidents/")
@access(*ANY_STAFF)
def incidents() -> str:
    """The incident register of this operator."""
    rows = incident_ops.list_incidents(db.session())
    return render_template("audit/manage/incidents.html", incidents=rows)


@bp.route("/incidents/new", methods=["GET", "POST"])
@access(*ANY_STAFF)
def report() -> ResponseReturnValue:
    """Report an incident: stored here, and the ward is mailed at once."""
    form = IncidentForm()
    if form.validate_on_submit():
        slug = g.tenant_slug
        incident = incident_ops.report_incident(
            db.session(),
            form.report(),
            staff=current_user.record,
            tenant=g.tenant,
            recipients=incident_ops.ward_recipients(),
            link=lambda number: url_for(
                "ward_audit.incident", slug=slug, incident_id=number, _external=True
            ),
            now=utcnow(),
        )
        db.session.commit()
        flash(_("The incident was recorded and the ward was told."), "success")
        return redirect(url_for(".incident", incident_id=incident.id))
    return render_template("audit/manage/report.html", form=form)


@bp.get("/incidents/<int:incident_id>")
@access(*ANY_STAFF)
def incident(incident_id: int) -> str:
    """One incident report."""
    found = incident_ops.get_incident(db.session(), incident_id)
    if found is None:
        abort(404)
    return render_template("audit/incident.html", incident=found, layout="layouts/staff.html")
