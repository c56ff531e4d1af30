"""Tenant API: facilities and rooms."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_smorest import Blueprint

from shisetsu.api.schemas import FacilitySchema, link, links
from shisetsu.auth.access import PUBLIC, access
from shisetsu.extensions import db
from shisetsu.facilities.models import Facility
from shisetsu.facilities.operations import list_facilities

bp = Blueprint(
    "api_facilities", __name__, url_prefix="/api/v1/<tenant>", description="Facilities and rooms"
)


def facility_dict(facility: Facility) -> dict[str, Any]:
    """API shape of a facility and its active rooms."""
    return {
        "id": facility.id,
        "code": facility.code,
        "name": {"ja": facility.name_ja, "en": facility.name_en},
        "kind": facility.kind,
        "address": facility.address,
        "phone": facility.phone,
        "access": {"ja": facility.access_ja, "en": facility.access_en},
        "hours": {"ja": facility.hours_ja, "en": facility.hours_en},
        "closed_note": {"ja": facility.closed_note_ja, "en": facility.closed_note_en},
        "photos": [
            {"src": p["src"], "alt": {"ja": p["alt_ja"], "en": p["alt_en"]}}
            for p in facility.photos or []
        ],
        "page": url_for("guide.facility", facility_id=facility.id),
        "rooms": [
            {
                "id": r.id,
                "code": r.code,
                "name": {"ja": r.name_ja, "en": r.name_en},
                "capacity": r.capacity,
                "area_m2": r.area_m2,
                "equipment": r.equipment,
                "slot_scheme": r.slot_scheme,
                "sample": r.sample,
            }
            for r in facility.rooms
            if r.active
        ],
    }


@bp.get("/facilities")
@bp.response(200, FacilitySchema(many=True))
@bp.alt_response(404, schema="Error", description="Unknown tenant")
@bp.doc(
    operationId="listFacilities",
    **links(
        200,
        availability=link(
            "getAvailability",
            "Availability of the first room",
            query__room="$response.body#/0/rooms/0/id",
        ),
    ),
)
@access(PUBLIC)
def list_tenant_facilities() -> list[dict[str, Any]]:
    """Facilities of one operator, with their rooms, address, access, hours and photos."""
    return [facility_dict(f) for f in list_facilities(db.session())]
