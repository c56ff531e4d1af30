"""The deletion certificate (消去証明書) as PDF: A4, Japanese, dated in the Japanese era.

Rendered like the permit (``booking/print``): a Jinja template with the shared print
stylesheet and Japanese fonts, turned into PDF by WeasyPrint.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale

from shisetsu.printing import render_pdf, wareki
from shisetsu.retention import chain
from shisetsu.retention.labels import COUNT_LABELS, ITEM_LABELS, TRIGGER_LABELS, executor, label
from shisetsu.retention.models import DeletionCertificate
from shisetsu.tenancy.config import TenantConfig


def certificate_pdf(config: TenantConfig, certificate: DeletionCertificate) -> bytes:
    """The certificate as a Japanese A4 PDF."""
    zone = ZoneInfo(config.timezone)
    issued_local = certificate.issued_at.astimezone(zone)
    with force_locale("ja"):
        html = render_template(
            "retention/print/certificate.html",
            config=config,
            cert=certificate,
            issued=wareki(issued_local.date()),
            issued_time=issued_local.strftime("%H:%M"),
            cutoff=wareki(certificate.cutoff) if certificate.cutoff else None,
            trigger=label(TRIGGER_LABELS, certificate.trigger),
            executor=executor(certificate.executed_by),
            counts=[(label(COUNT_LABELS, k), v) for k, v in certificate.counts.items()],
            items=[label(ITEM_LABELS, item) for item in certificate.items],
            intact=chain.verifies(certificate),
        )
    return render_pdf(html)


def pdf_filename(certificate: DeletionCertificate) -> str:
    """``deletion-certificate-2026-000001.pdf``."""
    return f"deletion-certificate-{certificate.number}.pdf"
