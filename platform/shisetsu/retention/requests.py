"""A resident's request to delete their account (本人からの消去請求).

Queued, not immediate: the request closes the account at once (sessions end, the password
stops working) and mails a confirmation; :func:`process_requests` (the request job, every
ten minutes) erases the data once that mail has left the outbox. Erasing in the request
itself would either wipe the address before the relay could use it or leave it in the
outbox row, which the proof of deletion forbids. A mail still undelivered after
``MAIL_WAIT`` is given up on, so a dead address cannot keep data alive.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.db import utcnow
from shisetsu.groups.models import Group
from shisetsu.notify import compose, queue_mail
from shisetsu.notify.models import OutboxMessage
from shisetsu.people.models import Account
from shisetsu.retention import operations as ops
from shisetsu.retention.models import (
    DONE,
    PENDING,
    REQUEST,
    DeletionCertificate,
    DeletionRequest,
)
from shisetsu.tenancy.models import Tenant

CLOSING = "closing"
MAIL_WAIT = timedelta(days=3)
ACTIVE_GROUP, FUTURE_BOOKINGS = "active_group", "future_bookings"


def refusals(session: Session, account: Account, today: date) -> list[str]:
    """Why the account cannot be deleted yet (empty: it can)."""
    problems = []
    if ops.active_groups(session, account):
        problems.append(ACTIVE_GROUP)
    if ops.has_future_bookings(session, account, today):
        problems.append(FUTURE_BOOKINGS)
    return problems


def request_deletion(
    session: Session, tenant: Tenant, account: Account, *, actor: audit.Actor, now: datetime
) -> DeletionRequest:
    """Close the account, queue the confirmation mail (naming ``tenant``) and record the
    request as ``actor``'s; flushed. The caller has checked :func:`refusals` and commits.
    """
    key = f"account-deletion:{account.id}"
    _confirmation_mail(session, tenant, account, key)
    account.status, account.password_hash = CLOSING, "!"
    account.session_version += 1  # every session ends
    request = DeletionRequest(account_id=account.id, requested_at=now, mail_key=key)
    session.add(request)
    audit.record(
        session, audit.UPDATE, "account", account.id, detail="deletion requested", actor=actor
    )
    session.flush()
    return request


def _confirmation_mail(session: Session, tenant: Tenant, account: Account, key: str) -> None:
    def render() -> tuple[str, str]:
        name = tenant.name(account.locale)
        lines = [
            gettext("Your account with %(tenant)s is being deleted.", tenant=name),
            gettext(
                "You can no longer sign in. Your name, address, phone numbers and email "
                "address will be erased within the hour; records of past bookings are kept "
                "without them, for statistics."
            ),
            gettext("If you did not ask for this, contact the facility at once."),
        ]
        subject = gettext("[%(tenant)s] Your account is being deleted", tenant=name)
        return subject, "\n\n".join(lines)

    content = compose(render, account.locale)
    queue_mail(
        session,
        key=key,
        to=account.email,
        subject=content.subject,
        body=content.body,
        kind="account_deletion",
        locale=content.locale,
    )


def _mail_left(session: Session, request: DeletionRequest, now: datetime) -> bool:
    row = session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == request.mail_key)
    )
    if row is None or row.sent_at is not None or row.next_attempt_at is None:
        return True
    return now - request.requested_at > MAIL_WAIT


def process_requests(
    session: Session, *, scope: str, now: datetime, executed_by: str
) -> list[DeletionCertificate]:
    """Erase every requested account whose confirmation mail has left; one certificate each."""
    issued = []
    pending = session.scalars(
        sa.select(DeletionRequest)
        .where(DeletionRequest.state == PENDING)
        .order_by(DeletionRequest.id)
    ).all()
    for request in pending:
        if not _mail_left(session, request, now):
            continue
        groups = session.scalars(
            sa.select(Group.id).where(Group.account_id == request.account_id)
        ).all()
        who = f"resident #{request.account_id} (own request) via {executed_by}"
        certificate = ops.purge(
            session, list(groups), [request.account_id], ops.Issue(scope, REQUEST, who)
        )
        request.state, request.done_at = DONE, utcnow()
        request.certificate_id = certificate.id if certificate is not None else None
        if certificate is not None:
            issued.append(certificate)
    session.flush()
    return issued


def pending_requests(session: Session) -> int:
    """How many deletion requests still wait for their erasure."""
    stmt = sa.select(sa.func.count()).where(DeletionRequest.state == PENDING)
    return int(session.scalar(stmt.select_from(DeletionRequest)) or 0)
