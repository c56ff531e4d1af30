"""The ward's personal-data pages at ``/ward/privacy/<slug>``: the tenant's inventory, its
deletion certificates (list, detail, PDF).

Read-only. Like the other ward pages the tenant is a ``slug`` argument (an auditor is no
principal of any tenant) and every read is logged in that tenant's access log.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for

from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import AUDITOR, access
from shisetsu.printing import pdf_response
from shisetsu.retention import certificates, chain
from shisetsu.retention.labels import template_helpers
from shisetsu.retention.models import DeletionCertificate
from shisetsu.retention.printing import certificate_pdf, pdf_filename
from shisetsu.routing import page_number
from shisetsu.tenancy.runtime import runtime_for
from shisetsu.ward import console
from shisetsu.ward.web import app_object, audited_tenant_or_404

bp = Blueprint("ward_privacy", __name__, url_prefix="/ward/privacy")
bp.context_processor(template_helpers)


@bp.get("/<slug>/")
@access(AUDITOR)
def index(slug: str) -> str:
    """The tenant's personal-data inventory and its deletion certificates, newest first."""
    tenant = audited_tenant_or_404(slug)
    page = page_number(request.args.get("page", type=int))
    overview = console.read_tenant(
        app_object(),
        slug,
        request_actor(),
        lambda session: certificates.overview(session, slug, page),
        record_type="personal_data_inventory",
    )
    return render_template(
        "ward/retention/index.html",
        tenant=tenant,
        overview=overview,
        page=page,
        detail_url=lambda cert: url_for(".certificate", slug=slug, certificate_id=cert.id),
        page_url=lambda number: url_for(".index", slug=slug, page=number),
    )


def _certificate_or_404(slug: str, certificate_id: int) -> DeletionCertificate:
    found = console.read_tenant(
        app_object(),
        slug,
        request_actor(),
        lambda session: certificates.find(session, certificate_id),
        record_type="deletion_certificate",
        record_id=certificate_id,
    )
    if found is None:
        abort(404)
    return found


@bp.get("/<slug>/certificates/<int:certificate_id>")
@access(AUDITOR)
def certificate(slug: str, certificate_id: int) -> str:
    """One certificate: what, how many, when, by whom, and whether its hash verifies."""
    tenant = audited_tenant_or_404(slug)
    cert = _certificate_or_404(slug, certificate_id)
    return render_template(
        "ward/retention/certificate.html", tenant=tenant, cert=cert, intact=chain.verifies(cert)
    )


@bp.get("/<slug>/certificates/<int:certificate_id>.pdf")
@access(AUDITOR)
def certificate_pdf_view(slug: str, certificate_id: int) -> Response:
    """The certificate as a PDF download (Japanese, A4)."""
    tenant = audited_tenant_or_404(slug)
    cert = _certificate_or_404(slug, certificate_id)
    config = runtime_for(tenant.slug, tenant.config_path).config
    return pdf_response(certificate_pdf(config, cert), pdf_filename(cert), inline=False)
