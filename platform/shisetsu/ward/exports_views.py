"""The ward's view of one operator's handover ledger (管理簿) at ``/ward/exports/<slug>``.

Read-only, for auditors. The tenant is a ``slug`` argument (not ``<tenant>``: an auditor is
not a principal of any tenant); the read goes through that tenant's session and is logged
in its access log, like the ward's other audit pages.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from sqlalchemy.orm import Session

from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import AUDITOR, access
from shisetsu.db import utcnow
from shisetsu.exports import content, disposal
from shisetsu.exports import operations as ops
from shisetsu.exports.models import ExportLedger
from shisetsu.i18n import current_locale
from shisetsu.routing import page_number
from shisetsu.ward import console
from shisetsu.ward.web import app_object, audited_tenant_or_404

bp = Blueprint("ward_exports", __name__, url_prefix="/ward/exports")


@bp.get("/<slug>")
@access(AUDITOR)
def ledger(slug: str) -> str:
    """One operator's exports, newest first, paginated, with each download and disposal
    and the exports overdue for their disposal; unknown slug → 404."""
    tenant = audited_tenant_or_404(slug)
    page = page_number(request.args.get("page", type=int))
    locale = current_locale()

    now, days = utcnow(), int(current_app.config.get("EXPORT_DISPOSAL_DAYS", 7))

    def read(session: Session) -> tuple[list[disposal.Line], bool, list[ExportLedger]]:
        rows, more = ops.ledger_page(session, page)
        described = {row.id: content.describe(session, row.content, locale) for row in rows}
        lines = disposal.lines(session, rows, described, now=now, days=days)
        return lines, more, disposal.overdue(session, now=now, days=days)

    lines, more, overdue = console.read_tenant(
        app_object(),
        slug,
        request_actor(),
        read,
        record_type="export_ledger",
        detail=f"page {page}",
    )
    return render_template(
        "ward/exports/ledger.html",
        ward_tenant=tenant,
        lines=lines,
        page=page,
        more=more,
        overdue=overdue,
        days=days,
    )
