"""The manager console's personal-data page (``/<tenant>/manage/privacy``): the inventory
and the tenant's deletion certificates (list, detail, PDF). Read-only; 取扱責任者 and
取扱者 only. Reading a certificate is logged like any view of personal-data records.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template, request, url_for

from shisetsu import audit
from shisetsu.auth.access import OPERATIONS, access
from shisetsu.extensions import db
from shisetsu.printing import pdf_response
from shisetsu.retention import certificates, chain
from shisetsu.retention.labels import template_helpers
from shisetsu.retention.models import DeletionCertificate
from shisetsu.retention.printing import certificate_pdf, pdf_filename
from shisetsu.routing import page_number
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("retention_manage", __name__, url_prefix="/<tenant>/manage/privacy")
bp.context_processor(template_helpers)


@bp.context_processor
def _tenant() -> dict[str, object]:
    return {"tenant": g.tenant}


@bp.get("/")
@access(*OPERATIONS)
def index() -> str:
    """The personal-data inventory and the deletion certificates, newest first."""
    page = page_number(request.args.get("page", type=int))
    overview = certificates.overview(db.session(), g.tenant.slug, page)
    body = render_template(
        "retention/manage/index.html",
        overview=overview,
        page=page,
        detail_url=lambda cert: url_for(".certificate", certificate_id=cert.id),
        page_url=lambda number: url_for(".index", page=number),
    )
    audit.record_view(db.session(), "personal_data_inventory", None)
    return body


def _certificate_or_404(certificate_id: int) -> DeletionCertificate:
    found = certificates.find(db.session(), certificate_id)
    if found is None:
        abort(404)
    return found


@bp.get("/certificates/<int:certificate_id>")
@access(*OPERATIONS)
def certificate(certificate_id: int) -> str:
    """One certificate of this tenant (another tenant's id is a 404)."""
    cert = _certificate_or_404(certificate_id)
    page = render_template(
        "retention/manage/certificate.html", cert=cert, intact=chain.verifies(cert)
    )
    audit.record_view(db.session(), "deletion_certificate", certificate_id)
    return page


@bp.get("/certificates/<int:certificate_id>.pdf")
@access(*OPERATIONS)
def certificate_pdf_view(certificate_id: int) -> Response:
    """The certificate as a PDF download (Japanese, A4)."""
    cert = _certificate_or_404(certificate_id)
    body = certificate_pdf(current_runtime().config, cert)
    audit.record_view(db.session(), "deletion_certificate", certificate_id, detail="pdf")
    return pdf_response(body, pdf_filename(cert), inline=False)
