"""What every ward console view needs: the audited tenant from the URL, and the app.

Shared by the ward pages of several modules (audit, exports, retention, ward), so an
unknown or inactive slug is the same 404 everywhere.
"""

from __future__ import annotations

from flask import Flask, abort, current_app

from shisetsu.extensions import db
from shisetsu.tenancy.models import Tenant
from shisetsu.ward.console import audited_tenants


def app_object() -> Flask:
    """The real app behind ``current_app``, for tenant sessions opened by a view."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def audited_tenant_or_404(slug: str) -> Tenant:
    """The tenant the ward audits under ``slug``; 404 when there is none."""
    found = audited_tenants(db.session(), slug)
    if not found:
        abort(404)
    return found[0]
