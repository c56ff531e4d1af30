"""Tenant API: slot availability (the same states as the public month grids).

Another tenant's room id, an inactive room or an unknown facility code is a 404 — never
an empty list that would let a caller tell "exists elsewhere" from "does not exist".
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shisetsu.api.schemas import LocalizedTextSchema, link, links
from shisetsu.auth.access import PUBLIC, access
from shisetsu.errors import error_body
from shisetsu.extensions import db
from shisetsu.slots.calendar import FIRST_DAY, LAST_DAY
from shisetsu.slots.ids import MAX_ROOM_ID
from shisetsu.slots.operations import STATES, SlotState, availability, load_rooms
from shisetsu.tenancy.runtime import current_runtime

MAX_DAYS = 93
"""Longest period one request may ask for (three months)."""

bp = Blueprint(
    "api_availability",
    __name__,
    url_prefix="/api/v1/<tenant>",
    description="Availability of rooms' time slots",
)


class AvailabilityQuerySchema(Schema):
    """Which period and which rooms."""

    from_ = fields.Date(
        required=True,
        data_key="from",
        validate=validate.Range(min=FIRST_DAY, max=LAST_DAY),
        metadata={"description": "First date (YYYY-MM-DD, Asia/Tokyo), inclusive"},
    )
    to = fields.Date(
        required=True,
        validate=validate.Range(min=FIRST_DAY, max=LAST_DAY),
        metadata={"description": f"Last date, inclusive; at most {MAX_DAYS} days after from"},
    )
    facility = fields.String(
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,39}$"),
        metadata={"description": "Only this facility (code, as in /facilities)"},
    )
    room = fields.Integer(
        strict=False,
        validate=validate.Range(min=1, max=MAX_ROOM_ID),
        metadata={"description": "Only this room (id, as in /facilities)"},
    )


class SlotSchema(Schema):
    """One slot and its state."""

    id = fields.String(
        required=True,
        metadata={
            "description": "Stable slot id <room>-<YYYYMMDD>-<code>",
            "example": "3-20260201-am",
        },
    )
    room = fields.Integer(required=True, metadata={"description": "Room id"})
    date = fields.String(required=True, metadata={"format": "date", "example": "2026-02-01"})
    start = fields.String(
        required=True,
        metadata={"format": "date-time", "example": "2026-02-01T09:00:00+09:00"},
    )
    end = fields.String(required=True, metadata={"format": "date-time"})
    state = fields.String(
        required=True,
        validate=validate.OneOf(STATES),
        metadata={
            "description": "free; taken (booked); closed (closed day, ad-hoc closure or "
            "already started); lottery (an open lottery round covers it); not_open (free, "
            "but first come has not opened: its month's lottery is not drawn and released "
            "yet, or the booking horizon does not reach it; see opens_at); hold (official use)"
        },
    )
    opens_at = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "format": "date-time",
            "description": "When first come opens for a not_open or lottery slot "
            "(Asia/Tokyo offset); null for every other state",
            "example": "2027-01-21T09:00:00+09:00",
        },
    )
    code = fields.String(required=True, metadata={"description": "Slot code within the day"})
    name = fields.Nested(LocalizedTextSchema, required=True)


class AvailabilitySchema(Schema):
    """Slots ordered by facility, room, date and start time."""

    slots = fields.List(fields.Nested(SlotSchema), required=True)


def slot_dict(st: SlotState) -> dict[str, Any]:
    """API shape of one slot (stable: id, room, date, start, end, state; docs/architecture.md)."""
    slot = st.slot
    return {
        "id": slot.id,
        "room": slot.room_id,
        "date": slot.date.isoformat(),
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "state": st.state,
        "opens_at": st.opens_at.isoformat() if st.opens_at is not None else None,
        "code": slot.code,
        "name": {"ja": slot.name.ja, "en": slot.name.en},
    }


def _invalid_period(message: Any) -> None:
    response = jsonify(error_body(422, "invalid_period", message))
    response.status_code = 422
    abort(response)


@bp.get("/availability")
@bp.arguments(AvailabilityQuerySchema, location="query", as_kwargs=True)
@bp.response(200, AvailabilitySchema)
@bp.alt_response(400, schema="Error", description="Malformed request")
@bp.alt_response(404, schema="Error", description="Unknown tenant, facility or room")
@bp.doc(
    operationId="getAvailability",
    **links(
        200,
        book={
            **link("createBooking", "Book one of the slots"),
            "requestBody": {
                "slots": ["$response.body#/slots/0/id"],
                "attendees": 1,
                "purpose": "Practice",
            },
        },
    ),
)
@access(PUBLIC)
def get_availability(
    from_: Any, to: Any, facility: str | None = None, room: int | None = None
) -> Any:
    """State of every slot of the operator's rooms (or one facility or room) in a period.

    422 ``invalid_period`` when ``to`` is before ``from`` or the period is longer than
    93 days; 422 ``unprocessable`` for malformed parameters.
    """
    if to < from_:
        _invalid_period(_l("The end date must not be before the start date."))
    if (to - from_).days + 1 > MAX_DAYS:
        _invalid_period(_l("Ask for at most %(days)s days at a time.", days=MAX_DAYS))
    session = db.session()
    rooms = load_rooms(session, facility_code=facility, room_ids=None if room is None else [room])
    if not rooms and (facility is not None or room is not None):
        abort(404)
    states = availability(session, current_runtime().config, rooms, from_, to)
    # Built to AvailabilitySchema's shape directly: dumping thousands of slots through
    # marshmallow would triple the response time (bench/availability.py).
    return jsonify({"slots": [slot_dict(st) for st in states]})
