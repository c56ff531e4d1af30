"""The ward auditor console (``/ward``): read-only; the only POSTs are the auditor's own
sign-in, sign-out and two-factor steps.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from shisetsu.auth.access import AUDITOR, access
from shisetsu.auth.credential_views import password_page, recovery_codes_page
from shisetsu.auth.signin_flow import SignInFlow, second_factor_limits
from shisetsu.extensions import db
from shisetsu.ward import operations as ops

bp = Blueprint("ward", __name__, url_prefix="/ward")

# Per-tenant audit pages later issues add (endpoint, label); linked once they exist.
TENANT_PAGES = (
    ("ward.usage", _l("Usage")),
    ("ward_lottery.ward_rounds", _l("Lottery fairness")),
    ("ward_audit.access_log", _l("Access log")),
    ("ward_audit.findings", _l("Findings")),
    ("ward.staff_roster", _l("Staff roster")),
    ("ward.privacy", _l("Personal data and deletions")),
    ("ward_audit.incidents", _l("Incidents")),
)

FLOW = SignInFlow(
    kind=AUDITOR,
    blueprint="ward",
    find=lambda login: ops.find_active_auditor(db.session(), login),
    issuer=lambda: "Shisetsu Shinjuku Ward",
    heading=_l("Ward auditor sign-in"),
)


FLOW.register_routes(bp)


@bp.route("/security", methods=["GET", "POST"])
@access(AUDITOR)
@second_factor_limits
def security() -> ResponseReturnValue:
    """The auditor's own recovery codes."""
    return recovery_codes_page(FLOW)


@bp.route("/password", methods=["GET", "POST"])
@access(AUDITOR)
@second_factor_limits
def password() -> ResponseReturnValue:
    """The auditor's own password (replaces the initial one)."""
    return password_page(FLOW)


@bp.get("/")
@access(AUDITOR)
def home() -> str:
    """Every tenant in the registry, with the audit pages available for each."""
    tenants = ops.tenants_for_audit(db.session())
    rows = [
        {
            "tenant": tenant,
            "pages": [
                (label, _page_url(endpoint, tenant.slug)) for endpoint, label in TENANT_PAGES
            ],
        }
        for tenant in tenants
    ]
    return render_template("ward/home.html", rows=rows)


def _page_url(endpoint: str, slug: str) -> str | None:
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, slug=slug)
