"""Tenant API: my bookings, and booking slots (docs/architecture.md, The API contract).

``POST /bookings`` answers 201 with ``{"id", "slots", "fee": {"total", "items"}, …}``; a
slot someone else holds is a 409 ``slot_taken`` (naming the slots); a rule refusal is a
422 ``booking_refused`` carrying every violation in ja and en. Residents authenticate
with a bearer token from ``POST /tokens``; another group's or tenant's booking is a 404.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from flask import Response, abort, jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shisetsu.api.schemas import LocalizedTextSchema, link, links
from shisetsu.api.tokens import BEARER
from shisetsu.attempts import attempt
from shisetsu.auth.access import RESIDENT, access
from shisetsu.booking import operations as ops
from shisetsu.booking.models import Booking
from shisetsu.booking.operations import BookingInput
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.errors import error_body
from shisetsu.extensions import db
from shisetsu.groups.models import Group
from shisetsu.groups.operations import active_groups_of
from shisetsu.plugins import Violation
from shisetsu.refusals import Refusal
from shisetsu.routing import MAX_ID
from shisetsu.slots import deadlines
from shisetsu.slots.holds import SlotTaken
from shisetsu.slots.ids import MAX_ROOM_ID, format_slot_id
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint(
    "api_bookings",
    __name__,
    url_prefix="/api/v1/<tenant>",
    description="Bookings: mine, and booking free slots first come, first served",
)
SLOT_ID = r"^[1-9][0-9]{0,9}-[0-9]{8}-[a-z0-9][a-z0-9_-]{0,39}$"


class BookingRequestSchema(Schema):
    """What to book: slots of one room on one day (a full-day set id books the set)."""

    slots = fields.List(
        fields.String(validate=validate.Regexp(SLOT_ID)),
        required=True,
        validate=validate.Length(min=1, max=ops.MAX_SLOTS),
        metadata={"description": "Slot ids from /availability, e.g. 3-20260201-am"},
    )
    attendees = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=100_000)
    )
    purpose = fields.String(load_default="", validate=validate.Length(max=ops.PURPOSE_MAX))
    group = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=MAX_ROOM_ID),
        metadata={"description": "Which of your groups books (needed if you have several)"},
    )


class FeeItemSchema(Schema):
    """One line of the fee (a reduction has a negative amount)."""

    code = fields.String(required=True)
    label = fields.Nested(LocalizedTextSchema, required=True)
    quantity = fields.Integer(required=True)
    unit = fields.Integer(allow_none=True, required=True)
    amount = fields.Integer(required=True)


class FeeSchema(Schema):
    """The fee frozen at booking, in yen."""

    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(FeeItemSchema), required=True)
    sample = fields.Boolean(required=True, metadata={"description": "Sample rates"})


class BookingSchema(Schema):
    """A booking."""

    id = fields.Integer(required=True)
    slots = fields.List(fields.String(), required=True)
    group = fields.Integer(required=True)
    room = fields.Integer(required=True)
    date = fields.String(required=True, metadata={"format": "date"})
    start = fields.String(required=True, metadata={"format": "date-time"})
    end = fields.String(required=True, metadata={"format": "date-time"})
    attendees = fields.Integer(required=True)
    purpose = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["confirmed", "paid", "cancelled"])
    )
    fee = fields.Nested(FeeSchema, required=True)
    payment_due = fields.String(
        allow_none=True, required=True, metadata={"format": "date", "description": "null: free"}
    )
    payment_until = fields.DateTime(
        allow_none=True,
        required=True,
        metadata={
            "description": "The last moment to pay, in Tokyo time (the counter's closing time "
            "on the due date, which is always a day the counter is open); null: free"
        },
    )


class BookingListSchema(Schema):
    """The bookings of the caller's groups, latest use date first."""

    bookings = fields.List(fields.Nested(BookingSchema), required=True)


class ViolationSchema(Schema):
    """One reason a booking is refused."""

    code = fields.String(required=True)
    message = fields.Nested(LocalizedTextSchema, required=True)
    field = fields.String(allow_none=True, required=True)


class BookingErrorDetailSchema(Schema):
    """An error with the violations (422) or the slots someone holds (409)."""

    code = fields.String(required=True)
    message = fields.Nested(LocalizedTextSchema, required=True)
    violations = fields.List(fields.Nested(ViolationSchema))
    slots = fields.List(fields.String())
    fields_ = fields.Dict(data_key="fields")


class BookingErrorSchema(Schema):
    """``{"error": {"code", "message", "violations" | "slots"}}``."""

    error = fields.Nested(BookingErrorDetailSchema, required=True)


NO_GROUP = Violation(
    code="no_group",
    ja="予約するには、承認された登録団体が必要です。",
    en="You need an approved registered group to book.",
    field="group",
)
GROUP_REQUIRED = Violation(
    code="group_required",
    ja="複数の団体があります。予約する団体（group）を指定してください。",
    en="You have several groups: say which one books (group).",
    field="group",
)
UNKNOWN_GROUP = Violation(
    code="unknown_group",
    ja="指定された団体では予約できません。",
    en="The given group cannot book.",
    field="group",
)


def booking_dict(booking: Booking) -> dict[str, Any]:
    """API shape of a booking."""
    config = current_runtime().config
    return {
        "id": booking.id,
        "slots": [format_slot_id(booking.room_id, booking.date, c) for c in booking.slot_codes],
        "group": booking.group_id,
        "room": booking.room_id,
        "date": booking.date.isoformat(),
        "start": booking.starts_at.astimezone(_zone()).isoformat(),
        "end": booking.ends_at.astimezone(_zone()).isoformat(),
        "attendees": booking.attendees,
        "purpose": booking.purpose,
        "status": booking.status,
        "fee": {
            "total": booking.fee_total,
            "items": booking.fee_items,
            "sample": booking.fee_sample,
        },
        "payment_due": booking.payment_due.isoformat() if booking.payment_due else None,
        "payment_until": _iso(deadlines.payment_deadline(config, booking.payment_due)),
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(_zone()).isoformat() if moment is not None else None


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(current_runtime().config.timezone)


def _refused(violations: list[Violation]) -> Response:
    body = error_body(422, "booking_refused", _l("The booking cannot be made."))
    body["error"]["violations"] = [v.to_dict() for v in violations]
    response = jsonify(body)
    response.status_code = 422
    return response


def _taken(slot_ids: list[str]) -> Response:
    body = error_body(409, "slot_taken", _l("Someone has just taken this time slot."))
    body["error"]["slots"] = slot_ids
    response = jsonify(body)
    response.status_code = 409
    return response


def _group(body: dict[str, Any]) -> Group | Response:
    groups = active_groups_of(db.session(), current_user.id, local_today(current_runtime().config))
    wanted = body.get("group")
    if wanted is not None:
        found = next((grp for grp in groups if grp.id == wanted), None)
        return found if found is not None else _refused([UNKNOWN_GROUP])
    if not groups:
        return _refused([NO_GROUP])
    if len(groups) > 1:
        return _refused([GROUP_REQUIRED])
    return groups[0]


@bp.get("/bookings")
@bp.response(200, BookingListSchema)
@bp.alt_response(401, schema="Error", description="No valid bearer token")
@bp.alt_response(403, schema="Error", description="Only residents have bookings here")
@bp.alt_response(404, schema="Error", description="Unknown tenant")
@bp.doc(
    security=BEARER,
    operationId="listBookings",
    **links(
        200,
        booking=link(
            "getBooking", "One of the bookings", booking_id="$response.body#/bookings/0/id"
        ),
    ),
)
@access(RESIDENT)
def list_bookings() -> Any:
    """The bookings of my groups (cancelled ones included), latest use date first."""
    bookings = ops.bookings_of_account(db.session(), current_user.id)
    return jsonify({"bookings": [booking_dict(b) for b in bookings]})


@bp.post("/bookings")
@bp.arguments(BookingRequestSchema)
@bp.response(201, BookingSchema)
@bp.alt_response(400, schema="Error", description="The body is not JSON")
@bp.alt_response(401, schema="Error", description="No valid bearer token")
@bp.alt_response(403, schema="Error", description="Only residents book here")
@bp.alt_response(404, schema="Error", description="Unknown tenant")
@bp.alt_response(409, schema=BookingErrorSchema, description="slot_taken, with the slots")
@bp.alt_response(
    422,
    schema=BookingErrorSchema,
    description="booking_refused with every violation, or unprocessable for a malformed body",
)
@bp.doc(
    security=BEARER,
    operationId="createBooking",
    **links(
        201,
        booking=link("getBooking", "The new booking", booking_id="$response.body#/id"),
        mine=link("listBookings", "My bookings, the new one among them"),
    ),
)
@access(RESIDENT)
def create_booking(body: dict[str, Any]) -> Any:
    """Book slots of one room on one day for one of my groups (all or nothing)."""
    group = _group(body)
    if isinstance(group, Response):
        return group
    data = BookingInput(body["slots"], body["attendees"], body.get("purpose") or "")
    booked = attempt(
        lambda: ops.book(
            db.session(), current_runtime(), group, data, now=utcnow(), account_id=current_user.id
        )
    )
    if isinstance(booked, SlotTaken):
        return _taken(booked.slot_ids)
    if isinstance(booked, Refusal):
        return _refused(booked.violations)
    response = jsonify(booking_dict(booked))
    response.status_code = 201
    return response


@bp.get(f"/bookings/<int(min=1, max={MAX_ID}):booking_id>")
@bp.response(200, BookingSchema)
@bp.alt_response(401, schema="Error", description="No valid bearer token")
@bp.alt_response(403, schema="Error", description="Only residents have bookings here")
@bp.alt_response(404, schema="Error", description="Unknown tenant, or not one of my bookings")
@bp.doc(security=BEARER, operationId="getBooking")
@access(RESIDENT)
def get_booking(booking_id: int) -> Any:
    """One booking of my groups."""
    booking = ops.own_booking(db.session(), current_user.id, booking_id)
    if booking is None:
        abort(404)
    return jsonify(booking_dict(booking))
