"""API bearer tokens: random, stored only as a hash, expiring and revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Request, current_app
from sqlalchemy.orm import Session

from shisetsu.auth.principals import RESIDENT, STAFF, Principal, first_sign_in_done, is_usable
from shisetsu.extensions import db
from shisetsu.people.models import Account, ApiToken, Staff
from shisetsu.tenancy.binding import current_tenant


def token_digest(token: str) -> str:
    """sha256 of a token: what the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, kind: str, principal_id: int, now: datetime
) -> tuple[str, datetime]:
    """Create a token for a resident or staff member; returns (token, expires_at)."""
    hours = current_app.config.get("API_TOKEN_HOURS", 12)
    expires = now + timedelta(hours=hours)
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            principal_kind=kind,
            principal_id=principal_id,
            token_hash=token_digest(token),
            expires_at=expires,
        )
    )
    return token, expires


def revoke_token(session: Session, token: str, now: datetime) -> bool:
    """Revoke a token; False if it was unknown or already revoked."""
    row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


def revoke_all_tokens(session: Session, kind: str, principal_id: int, now: datetime) -> None:
    """Revoke every live token of one resident or staff member (password change, removal)."""
    session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.principal_kind == kind,
            ApiToken.principal_id == principal_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def load_from_request(request: Request) -> Principal | None:
    """Flask-Login request loader: ``Authorization: Bearer …`` on tenant API routes only."""
    header = request.headers.get("Authorization", "")
    tenant = current_tenant()
    if not header.startswith("Bearer ") or tenant is None or not request.path.startswith("/api/"):
        return None
    row = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == token_digest(header[7:].strip()))
    )
    now = datetime.now(UTC)
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= now:
        return None
    model = Account if row.principal_kind == RESIDENT else Staff
    record = db.session.get(model, row.principal_id)
    if record is None or not is_usable(row.principal_kind, record):
        return None
    kind = RESIDENT if row.principal_kind == RESIDENT else STAFF
    if not first_sign_in_done(kind, record):
        return None
    kind = RESIDENT if row.principal_kind == RESIDENT else STAFF
    return Principal(kind, tenant.slug, record, via_token=True)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
