"""Platform-level API: the tenant list."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from shisetsu.api.schemas import TenantSchema, links
from shisetsu.auth.access import PUBLIC, access
from shisetsu.portal.operations import active_tenants

bp = Blueprint("api_core", __name__, url_prefix="/api/v1", description="Operators (tenants)")


def to_each_tenant(operation: str, description: str) -> dict[str, object]:
    """A link from the tenant list to an operation of one of the listed tenants."""
    return {
        "operationId": operation,
        "description": description,
        "parameters": {"tenant": "$response.body#/0/slug"},
    }


@bp.get("/tenants")
@bp.response(200, TenantSchema(many=True))
@bp.doc(
    operationId="listTenants",
    **links(
        200,
        facilities=to_each_tenant("listFacilities", "The facilities of an operator"),
        rounds=to_each_tenant("listRounds", "The lottery rounds of an operator"),
    ),
)
@access(PUBLIC)
def list_tenants() -> list[dict[str, Any]]:
    """List the operators served here."""
    return [{"slug": t.slug, "name": {"ja": t.name_ja, "en": t.name_en}} for t in active_tenants()]
