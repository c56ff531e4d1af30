"""The ward auditor console (``/ward``): read-only; the only POSTs are the auditor's own
sign-in, sign-out and two-factor steps.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import AUDITOR, access
from shisetsu.extensions import db
from shisetsu.people.roles import ROLE_LABELS
from shisetsu.routing import page_number
from shisetsu.signin.credential_views import (
    password_page,
    recovery_codes_page,
    sign_out_everywhere_page,
)
from shisetsu.signin.flow import SignInFlow, second_factor_limits
from shisetsu.tenancy.models import Tenant
from shisetsu.ward import operations as ops
from shisetsu.ward import reads
from shisetsu.ward.console import audited_tenants
from shisetsu.ward.roster import STATUSES, RosterEvent, RosterPage
from shisetsu.ward.usage import LEVELS
from shisetsu.ward.web import app_object

bp = Blueprint("ward", __name__, url_prefix="/ward")

# Per-tenant audit pages (endpoint, label); each is linked once its endpoint exists.
TENANT_PAGES = (
    ("ward.usage", _l("Usage")),
    ("ward_lottery.ward_rounds", _l("Lottery fairness")),
    ("ward_audit.access_log", _l("Access log")),
    ("ward_audit.findings", _l("Findings")),
    ("ward.staff_roster", _l("Staff roster")),
    ("ward_privacy.index", _l("Personal data and deletions")),
    ("ward_audit.incidents", _l("Incidents")),
    ("ward_exports.ledger", _l("Exports ledger")),
)
# Pages over every operator at once (endpoint, label); linked once they exist.
ACROSS_PAGES = (
    ("ward.usage", _l("Usage")),
    ("ward.staff_roster", _l("Staff roster")),
    ("ward_lottery.ward_rounds", _l("Lottery fairness")),
    ("ward_audit.findings", _l("Findings")),
    ("ward_audit.incidents", _l("Incidents")),
)
STATUS_LABELS = {
    "active": _l("Active"),
    "locked": _l("Locked (failed sign-ins)"),
    "removed": _l("Removed"),
}


def change_words(detail: str) -> str:
    """A logged roster change in words: ``role handler → counter`` → "Handler → Counter
    staff", ``added as handler`` → "Appointed as Handler"; anything else as logged."""

    def role(code: str) -> str:
        return str(ROLE_LABELS.get(code.strip(), code))

    if detail.startswith("added as "):
        return _("Appointed as %(role)s", role=role(detail.removeprefix("added as ")))
    if detail.startswith("role ") and " → " in detail:
        old, new = detail.removeprefix("role ").split(" → ", 1)
        return _("Role changed: %(old)s → %(new)s", old=role(old), new=role(new))
    words = {"removed": _("Removed"), "sign-in reset": _("Sign-in reset")}
    return str(words.get(detail, detail))


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


@bp.route("/sign-out-everywhere", methods=["GET", "POST"])
@access(AUDITOR)
def sign_out_everywhere() -> ResponseReturnValue:
    """End every session of the signed-in auditor, on every device (after a confirmation)."""
    return sign_out_everywhere_page(FLOW)


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
    across = [(label, _page_url(endpoint)) for endpoint, label in ACROSS_PAGES]
    return render_template("ward/home.html", rows=rows, across=across)


def _page_url(endpoint: str, slug: str | None = None) -> str | None:
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, slug=slug) if slug else url_for(endpoint)


def _tenants() -> tuple[list[Tenant], str | None]:
    """The tenants ``?slug=`` names (all active ones without it); an unknown slug is a 404."""
    slug = request.args.get("slug") or None
    tenants = audited_tenants(db.session(), slug)
    if slug is not None and not tenants:
        abort(404)
    return tenants, slug


@bp.get("/usage")
@access(AUDITOR)
def usage() -> str:
    """Bookings and utilisation by facility, room and month, and lottery win rates by group
    category: one tenant with ``?slug=``, an overview across tenants without."""
    tenants, slug = _tenants()
    sections = reads.usage_of(app_object(), tenants, request_actor())
    template = "ward/usage.html" if slug else "ward/usage_overview.html"
    return render_template(template, sections=sections, slug=slug, levels=LEVELS)


@bp.get("/staff")
@access(AUDITOR)
def staff_roster() -> str:
    """The staff roster (取扱責任者・取扱者 …) of one tenant with ``?slug=``, or a summary of
    every tenant's; the auditor's view is logged in each tenant read."""
    tenants, slug = _tenants()
    page = page_number(request.args.get("page", type=int))
    sections = reads.roster_of(app_object(), tenants, request_actor(), page=page)
    return render_template(
        "ward/staff_roster.html" if slug else "ward/staff_overview.html",
        sections=sections,
        slug=slug,
        role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS,
        statuses=STATUSES,
        change_words=change_words,
        changes=latest_changes(sections),
    )


def latest_changes(
    sections: list[tuple[Tenant, RosterPage]], count: int = 10
) -> list[tuple[Tenant, RosterEvent]]:
    """The newest roster changes over every operator read, newest first."""
    events = [(tenant, event) for tenant, roster in sections for event in roster.history]
    return sorted(events, key=lambda pair: pair[1].at, reverse=True)[:count]
