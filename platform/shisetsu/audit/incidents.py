"""The incident register (事故の報告): staff record an incident, the ward is told at once.

The report is stored in the tenant schema and logged in the tenant's access log; every
active auditor with an email address gets a mail through the tenant's outbox, in the same
transaction (the platform has no outbox of its own). The mail carries no details beyond
the summary line: the ward reads the rest on its console, behind TOTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from shisetsu.audit.models import Incident
from shisetsu.audit.operations import INCIDENT, record
from shisetsu.dates import local_time
from shisetsu.extensions import db
from shisetsu.i18n import current_locale
from shisetsu.notify import compose, queue_mail
from shisetsu.people.models import Auditor, Staff
from shisetsu.tenancy.models import Tenant


@dataclass(frozen=True)
class IncidentReport:
    """What staff enter: what happened, when, which data, how many people."""

    summary: str
    occurred_at: datetime
    data_affected: str
    people_affected: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class Recipient:
    """A ward auditor to mail."""

    id: int
    email: str


def ward_recipients() -> list[Recipient]:
    """Active auditors with an email address (read through an unbound platform session)."""
    with Session(db.engine) as session:
        rows = session.execute(
            sa.select(Auditor.id, Auditor.email)
            .where(Auditor.active.is_(True), Auditor.email.is_not(None))
            .order_by(Auditor.id)
        )
        return [Recipient(row.id, row.email) for row in rows if row.email]


def report_incident(
    session: Session,
    report: IncidentReport,
    *,
    staff: Staff,
    tenant: Tenant,
    recipients: list[Recipient],
    link: Callable[[int], str],
    now: datetime,
) -> Incident:
    """Store the incident, log it and queue one mail per auditor (caller commits)."""
    incident = Incident(
        summary=report.summary.strip(),
        occurred_at=report.occurred_at,
        data_affected=report.data_affected.strip(),
        people_affected=report.people_affected,
        description=(report.description or "").strip() or None,
        reported_at=now,
        reported_by_id=staff.id,
        reported_by_label=staff.login,
    )
    session.add(incident)
    session.flush()
    record(session, INCIDENT, "incident", incident.id)
    url = link(incident.id)
    for recipient in recipients:
        mail = compose(lambda: _incident_mail(incident, tenant, url), None)
        queue_mail(
            session,
            key=f"incident:{incident.id}:auditor:{recipient.id}",
            to=recipient.email,
            subject=mail.subject,
            body=mail.body,
            kind="incident",
            locale=mail.locale,
        )
    incident.auditors_mailed = len(recipients)
    session.flush()
    return incident


def _incident_mail(incident: Incident, tenant: Tenant, url: str) -> tuple[str, str]:
    """Subject and body in the current locale (text built here, so the catalogues see it)."""
    name = tenant.name(current_locale())
    subject = _("Incident reported by %(tenant)s", tenant=name)
    paragraphs = [
        _(
            "%(tenant)s has reported an incident (number %(number)s).",
            tenant=name,
            number=incident.id,
        ),
        _("Summary: %(summary)s", summary=incident.summary),
        _("Occurred: %(when)s (Japan time)", when=local_time(incident.occurred_at)),
        _("Read the report on the ward audit console: %(url)s", url=url),
        _("Shisetsu — this mail was sent automatically; replies are not read."),
    ]
    return subject, "\n\n".join(paragraphs)


def list_incidents(session: Session, *, limit: int = 200) -> list[Incident]:
    """This tenant's incidents, newest report first."""
    stmt = sa.select(Incident).order_by(Incident.reported_at.desc(), Incident.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def get_incident(session: Session, incident_id: int) -> Incident | None:
    """An incident of this tenant (None for another tenant's id)."""
    return session.get(Incident, incident_id)
