"""Marshmallow schemas shared by the API (they also document it)."""

from marshmallow import Schema, fields


class LocalizedTextSchema(Schema):
    """A text in Japanese and English."""

    ja = fields.String(required=True)
    en = fields.String(required=True)


class ErrorDetailSchema(Schema):
    """The inside of an error document."""

    code = fields.String(required=True, metadata={"description": "Stable error code"})
    message = fields.Nested(LocalizedTextSchema, required=True)
    fields_ = fields.Dict(data_key="fields", required=False)


class ErrorSchema(Schema):
    """Every API error: ``{"error": {"code", "message": {"ja", "en"}}}``."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class TenantSchema(Schema):
    """An operator served by this installation."""

    slug = fields.String(required=True)
    name = fields.Nested(LocalizedTextSchema, required=True)


class RoomSchema(Schema):
    """A bookable room."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.Nested(LocalizedTextSchema, required=True)
    capacity = fields.Integer(required=True)
    area_m2 = fields.Float(allow_none=True)
    equipment = fields.List(fields.String(), required=True)
    slot_scheme = fields.String(required=True)
    sample = fields.Boolean(required=True)


class OptionalTextSchema(Schema):
    """A descriptive text in Japanese and English; either may be null (not written yet)."""

    ja = fields.String(allow_none=True, required=True)
    en = fields.String(allow_none=True, required=True)


class PhotoSchema(Schema):
    """A picture of the facility: a path on this site, with its alternative text."""

    src = fields.String(required=True)
    alt = fields.Nested(LocalizedTextSchema, required=True)


class FacilitySchema(Schema):
    """A facility with its rooms and what its public page says (address, access, hours)."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.Nested(LocalizedTextSchema, required=True)
    kind = fields.String(required=True)
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    access = fields.Nested(
        OptionalTextSchema, required=True, metadata={"description": "How to get there"}
    )
    hours = fields.Nested(
        OptionalTextSchema, required=True, metadata={"description": "Opening hours in words"}
    )
    closed_note = fields.Nested(
        OptionalTextSchema,
        required=True,
        metadata={"description": "About closed days, beyond the regular rules"},
    )
    photos = fields.List(fields.Nested(PhotoSchema), required=True)
    page = fields.String(
        required=True, metadata={"description": "Path of the facility's public page"}
    )
    rooms = fields.List(fields.Nested(RoomSchema), required=True)


def link(operation: str, description: str, **parameters: str) -> dict[str, object]:
    """An OpenAPI link to ``operation`` (an operationId) on the same tenant.

    ``parameters`` map a parameter of the target (``booking_id``) to a runtime expression
    (``$response.body#/id``); a ``header.`` or ``query.`` prefix is kept as written.
    """
    named = {name.replace("__", "."): value for name, value in parameters.items()}
    return {
        "operationId": operation,
        "description": description,
        "parameters": {"tenant": "$request.path.tenant", **named},
    }


def links(status: int, **targets: dict[str, object]) -> dict[str, object]:
    """``@bp.doc(**links(201, name=link(...)))``: the links of one documented response."""
    return {"responses": {str(status): {"links": targets}}}
