"""Tenant API: lottery rounds (commitment, state, revealed seed) and my entries.

``POST /lottery/rounds/<id>/entries`` takes ``{"choices": [[slot ids], …]}`` in rank
order (a choice with several slots is a set won or lost together) and replaces my
group's entry; 422 ``entry_refused`` carries every violation, 409 ``entries_closed`` says
the round does not take entries now. Another tenant's round id is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shisetsu.api.bookings import SLOT_ID, BookingErrorSchema, _group
from shisetsu.api.schemas import link, links
from shisetsu.api.tokens import BEARER
from shisetsu.attempts import attempt
from shisetsu.auth.access import PUBLIC, RESIDENT, access
from shisetsu.dates import last_moment, local_today, to_local
from shisetsu.db import utcnow
from shisetsu.errors import error_body
from shisetsu.extensions import db
from shisetsu.groups.operations import active_groups_of
from shisetsu.lottery import entries as entry_ops
from shisetsu.lottery import rounds
from shisetsu.lottery.engine import MAX_SET_SLOTS
from shisetsu.lottery.models import LotteryEntry, LotteryRound
from shisetsu.refusals import Refusal
from shisetsu.routing import MAX_ID
from shisetsu.slots.operations import slot_states
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint(
    "api_lottery",
    __name__,
    url_prefix="/api/v1/<tenant>/lottery",
    description="The monthly lottery: rounds, their commitments and seeds, and my entries",
)
ROUND_ID = f"<int(min=1, max={MAX_ID}):round_id>"
ANY_ROUND = "$response.body#/rounds/0/id"
SAME_ROUND = "$request.path.round_id"


class RoundSchema(Schema):
    """A lottery round: its calendar, commitment and (after the draw) seed and hashes."""

    id = fields.Integer(required=True)
    round_id = fields.String(required=True, metadata={"description": "The engine's round id"})
    usage_month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    state = fields.String(
        required=True, validate=validate.OneOf(["open", "closed", "drawn", "released"])
    )
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    draw_at = fields.DateTime(required=True)
    confirm_deadline = fields.DateTime(
        required=True, metadata={"description": "When confirming is over (exclusive end)"}
    )
    confirm_until = fields.DateTime(
        required=True,
        metadata={"description": "The last moment to confirm or decline a win, in Tokyo time"},
    )
    applications_until = fields.DateTime(
        required=True, metadata={"description": "The last moment to enter, in Tokyo time"}
    )
    first_come_at = fields.DateTime(required=True)
    policy = fields.String(required=True)
    params = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    entries_per_group = fields.Integer(required=True)
    commitment = fields.String(required=True, metadata={"description": "SHA-256 of the seed"})
    seed = fields.String(
        allow_none=True, required=True, metadata={"description": "null until drawn"}
    )
    entries_hash = fields.String(allow_none=True, required=True)
    result_hash = fields.String(allow_none=True, required=True)


class RoundSlotSchema(Schema):
    """A slot the round covers and its state (``lottery`` while entries are taken)."""

    id = fields.String(required=True)
    room = fields.Integer(required=True)
    date = fields.String(required=True)
    start = fields.String(required=True)
    end = fields.String(required=True)
    state = fields.String(required=True)


class RoundDetailSchema(RoundSchema):
    """A round with the slots it covers."""

    slots = fields.List(fields.Nested(RoundSlotSchema), required=True)


class RoundListSchema(Schema):
    """Rounds, newest usage month first."""

    rounds = fields.List(fields.Nested(RoundSchema), required=True)


class EntryRequestSchema(Schema):
    """Ranked choices: the 1st choice first; a choice is a list of slot ids (a set)."""

    choices = fields.List(
        fields.List(
            fields.String(validate=validate.Regexp(SLOT_ID)),
            validate=validate.Length(min=1, max=MAX_SET_SLOTS),
        ),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    group = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Which of your groups enters (needed if you have several)"},
    )
    version = fields.String(
        validate=validate.Length(max=64),
        metadata={
            "description": 'The entry\'s version as last read ("new" for none): if it has '
            "changed since, the answer is 409 entry_changed and nothing is saved"
        },
    )


class ChoiceSchema(Schema):
    """One ranked choice."""

    rank = fields.Integer(required=True)
    slots = fields.List(fields.String(), required=True)


class EntrySchema(Schema):
    """One of my groups' entries in the round."""

    id = fields.Integer(required=True)
    group = fields.Integer(required=True)
    withdrawn = fields.Boolean(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.String(required=True, metadata={"description": "Send it back to edit"})
    choices = fields.List(fields.Nested(ChoiceSchema), required=True)


class EntryListSchema(Schema):
    """My groups' entries in the round."""

    entries = fields.List(fields.Nested(EntrySchema), required=True)


def _local(moment: dt.datetime) -> str:
    return to_local(moment, current_runtime().config.timezone).isoformat()


def round_dict(rnd: LotteryRound) -> dict[str, Any]:
    """API shape of a round (the seed only once drawn)."""
    return {
        "id": rnd.id,
        "round_id": rnd.public_id,
        "usage_month": f"{rnd.usage_month:%Y-%m}",
        "state": rnd.state,
        "opens_at": rnd.opens_at.isoformat(),
        "closes_at": rnd.closes_at.isoformat(),
        "draw_at": rnd.draw_at.isoformat(),
        "confirm_deadline": rnd.confirm_deadline.isoformat(),
        "confirm_until": _local(last_moment(rnd.confirm_deadline)),
        "applications_until": _local(last_moment(rnd.closes_at)),
        "first_come_at": rnd.first_come_at.isoformat(),
        "policy": rnd.policy,
        "params": rnd.policy_params,
        "entries_per_group": rnd.entries_per_group,
        "commitment": rnd.commitment,
        "seed": rnd.revealed_seed,
        "entries_hash": rnd.entries_hash,
        "result_hash": rnd.result_hash,
    }


def entry_dict(entry: LotteryEntry) -> dict[str, Any]:
    """API shape of an entry."""
    return {
        "id": entry.id,
        "group": entry.group_id,
        "withdrawn": entry.withdrawn_at is not None,
        "updated_at": entry.updated_at.isoformat(),
        "version": entry_ops.fingerprint(entry),
        "choices": [{"rank": c.rank, "slots": list(c.slot_ids)} for c in entry.choices],
    }


def _round_or_404(round_id: int) -> LotteryRound:
    rnd = rounds.get_round(db.session(), round_id)
    if rnd is None:
        abort(404)
    return rnd


def _error(status: int, code: str, message: Any, **extra: Any) -> Response:
    body = error_body(status, code, message)
    body["error"].update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


@bp.get("/rounds")
@bp.response(200, RoundListSchema)
@bp.alt_response(404, schema="Error", description="Unknown tenant")
@bp.doc(
    operationId="listRounds",
    **links(
        200,
        round=link("getRound", "One of the rounds", round_id=ANY_ROUND),
        entries=link("listEntries", "My entries in one of the rounds", round_id=ANY_ROUND),
    ),
)
@access(PUBLIC)
def list_rounds() -> Any:
    """Every round with its commitment, state, revealed seed (null until drawn) and hashes."""
    return jsonify({"rounds": [round_dict(r) for r in rounds.list_rounds(db.session())]})


@bp.get(f"/rounds/{ROUND_ID}")
@bp.response(200, RoundDetailSchema)
@bp.alt_response(404, schema="Error", description="Unknown tenant or round")
@bp.doc(
    operationId="getRound",
    **links(
        200,
        enter={
            **link("createEntry", "Enter a slot of this round", round_id="$response.body#/id"),
            "requestBody": {"choices": [["$response.body#/slots/0/id"]]},
        },
    ),
)
@access(PUBLIC)
def get_round(round_id: int) -> Any:
    """One round, with every slot it covers and the slot's state."""
    session = db.session()
    rnd = _round_or_404(round_id)
    config = current_runtime().config
    slots = rounds.round_slots(session, config, rnd)
    states = slot_states(session, config, slots)
    data = round_dict(rnd)
    data["slots"] = [
        {
            "id": s.id,
            "room": s.room_id,
            "date": s.date.isoformat(),
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "state": states[s.id].state,
        }
        for s in slots
    ]
    return jsonify(data)


@bp.get(f"/rounds/{ROUND_ID}/entries")
@bp.response(200, EntryListSchema)
@bp.alt_response(401, schema="Error", description="No valid bearer token")
@bp.alt_response(403, schema="Error", description="Only residents enter the lottery")
@bp.alt_response(404, schema="Error", description="Unknown tenant or round")
@bp.doc(
    security=BEARER,
    operationId="listEntries",
    **links(200, round=link("getRound", "The round", round_id=SAME_ROUND)),
)
@access(RESIDENT)
def my_entries(round_id: int) -> Any:
    """My groups' entries in the round (withdrawn ones included)."""
    session = db.session()
    rnd = _round_or_404(round_id)
    groups = active_groups_of(session, current_user.id, local_today(current_runtime().config))
    found = [entry_ops.entry_of(session, rnd, grp.id) for grp in groups]
    return jsonify({"entries": [entry_dict(e) for e in found if e is not None]})


@bp.post(f"/rounds/{ROUND_ID}/entries")
@bp.arguments(EntryRequestSchema)
@bp.response(201, EntrySchema)
@bp.alt_response(400, schema="Error", description="The body is not JSON")
@bp.alt_response(401, schema="Error", description="No valid bearer token")
@bp.alt_response(403, schema="Error", description="Only residents enter the lottery")
@bp.alt_response(404, schema="Error", description="Unknown tenant or round")
@bp.alt_response(
    409,
    schema="Error",
    description="entries_closed: the round takes no entries now; entry_changed: the entry "
    "changed since the version sent",
)
@bp.alt_response(
    422,
    schema=BookingErrorSchema,
    description="entry_refused with every violation, or unprocessable for a malformed body",
)
@bp.doc(
    security=BEARER,
    operationId="createEntry",
    **links(
        201,
        read=link("listEntries", "Read the entry back", round_id=SAME_ROUND),
        edit=link("createEntry", "Replace the entry", round_id=SAME_ROUND),
    ),
)
@access(RESIDENT)
def enter(body: dict[str, Any], round_id: int) -> Any:
    """Enter (or replace) my group's ranked choices in an open round."""
    rnd = _round_or_404(round_id)
    group = _group(body)
    if isinstance(group, Response):
        return group
    entered = attempt(
        lambda: entry_ops.enter(
            db.session(),
            current_runtime(),
            rnd,
            group,
            body["choices"],
            now=utcnow(),
            account_id=current_user.id,
            version=body.get("version"),
        )
    )
    if isinstance(entered, entry_ops.EntriesClosed):
        return _error(409, "entries_closed", _l("This lottery round does not take entries now."))
    if isinstance(entered, entry_ops.EntryChanged):
        return _error(409, "entry_changed", entry_ops.EntryChanged.text)
    if isinstance(entered, Refusal):
        return _error(
            422,
            "entry_refused",
            _l("The lottery entry cannot be accepted."),
            violations=[v.to_dict() for v in entered.violations],
        )
    response = jsonify(entry_dict(entered))
    response.status_code = 201
    return response
