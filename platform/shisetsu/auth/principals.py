"""Who is signed in: residents and staff of the bound tenant, or a ward auditor.

The session stores ``kind:tenant:id:version:key``. A principal is only loaded on requests of
its own tenant (auditors only on platform routes), so a cookie from one operator means
nothing at another; bumping ``session_version`` (password change, reset, removal, "sign out
everywhere") revokes every session at once, and the random per-device ``key``, recorded as
ended on sign-out, refuses a copied cookie of that one device.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import g, request

from shisetsu.auth.second_factor import is_enrolled
from shisetsu.extensions import db
from shisetsu.people.models import (
    Account,
    Auditor,
    EndedAuditorSession,
    EndedSession,
    Staff,
    UnknownAuditorLogin,
    UnknownLogin,
)
from shisetsu.tenancy.binding import current_tenant

RESIDENT, STAFF, AUDITOR = "resident", "staff", "auditor"
MODELS: dict[str, type[Account] | type[Staff] | type[Auditor]] = {
    RESIDENT: Account,
    STAFF: Staff,
    AUDITOR: Auditor,
}


@dataclass(eq=False)
class Principal:
    """A signed-in user as Flask-Login sees it."""

    kind: str
    tenant: str  # "" for auditors
    record: Any
    via_token: bool = False
    device_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return session_id(self.kind, self.tenant, self.record, self.device_key)

    @property
    def id(self) -> int:
        return int(self.record.id)

    @property
    def role(self) -> str:
        """``resident``, ``auditor`` or the staff role (responsible/handler/counter)."""
        return str(self.record.role) if self.kind == STAFF else self.kind

    @property
    def display_name(self) -> str:
        return str(getattr(self.record, "display_name", None) or self.record.login)


def session_id(kind: str, tenant: str, record: Any, device_key: str) -> str:
    """The value kept in the session cookie for ``record`` on one device."""
    return f"{kind}:{tenant}:{record.id}:{record.session_version}:{device_key}"


def key_digest(device_key: str) -> str:
    """sha256 of a device key: what the ended-sessions table keeps."""
    return hashlib.sha256(device_key.encode()).hexdigest()


def ended_model(kind: str) -> type[EndedSession] | type[EndedAuditorSession]:
    """Where signed-out devices of ``kind`` are recorded (the tenant's or the platform's)."""
    return EndedAuditorSession if kind == AUDITOR else EndedSession


def unknown_model(kind: str) -> type[UnknownLogin] | type[UnknownAuditorLogin]:
    """Where failed sign-ins of unknown logins of ``kind`` are counted."""
    return UnknownAuditorLogin if kind == AUDITOR else UnknownLogin


def load_principal(user_id: str) -> Principal | None:
    """Flask-Login's user loader: only principals of the current tenant, still valid.

    The API ignores session cookies (it is CSRF-exempt): it authenticates bearer tokens only.
    """
    if request.path.startswith("/api/"):
        return None
    try:
        kind, tenant, raw_id, raw_version, device_key = user_id.split(":")
        record_id, version = int(raw_id), int(raw_version)
    except ValueError:
        return None  # also every cookie from before device keys
    if not device_key:
        return None
    bound = current_tenant()
    if kind == AUDITOR:
        if bound is not None or tenant:
            return None
    elif kind in (RESIDENT, STAFF):
        if bound is None or bound.slug != tenant:
            return None
    else:
        return None
    record: Any = db.session.get(MODELS[kind], record_id)
    if record is None or record.session_version != version or not is_usable(kind, record):
        return None
    if not first_sign_in_done(kind, record):
        return None
    model = ended_model(kind)
    ended = db.session.scalar(
        sa.select(model.key_digest).where(model.key_digest == key_digest(device_key))
    )
    if ended is not None:
        return None
    return Principal(kind, tenant, record, device_key=device_key)


def first_sign_in_done(kind: str, record: Any) -> bool:
    """Whether a staff member or auditor has replaced the initial password and enrolled TOTP.

    Until then no session or API token of theirs is accepted, whatever route it is sent to:
    only the sign-in steps (which keep their own pending state) answer them.
    """
    if kind == RESIDENT:
        return True
    return not record.password_must_change and is_enrolled(record)


def is_usable(kind: str, record: Any) -> bool:
    """Whether the account may act at all (not removed, not deleted)."""
    if kind == RESIDENT:
        return bool(record.status == "active")
    return bool(record.active)


def principal_for(kind: str, record: Any) -> Principal:
    """Wrap a freshly authenticated record for ``login_user``."""
    tenant = "" if kind == AUDITOR else g.tenant_slug
    return Principal(kind, tenant, record)
