"""Platform-level API: the tenant list."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from shisetsu.api.schemas import TenantSchema
from shisetsu.auth.access import PUBLIC, access
from shisetsu.portal.operations import active_tenants

bp = Blueprint("api_core", __name__, url_prefix="/api/v1", description="Operators (tenants)")


@bp.get("/tenants")
@bp.response(200, TenantSchema(many=True))
@access(PUBLIC)
def list_tenants() -> list[dict[str, Any]]:
    """List the operators served here."""
    return [{"slug": t.slug, "name": {"ja": t.name_ja, "en": t.name_en}} for t in active_tenants()]
