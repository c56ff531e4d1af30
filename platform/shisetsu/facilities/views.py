"""The tenant home page: facilities and rooms."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from shisetsu.auth.access import PUBLIC, access
from shisetsu.extensions import db
from shisetsu.facilities.operations import get_room, list_facilities
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("facilities", __name__, url_prefix="/<tenant>")


@bp.get("/")
@access(PUBLIC)
def home() -> str:
    """Operator home: what can be booked here."""
    runtime = current_runtime()
    return render_template(
        "facilities/home.html",
        tenant=g.tenant,
        config=runtime.config,
        facilities=list_facilities(db.session()),
    )


@bp.get("/rooms/<int:room_id>")
@access(PUBLIC)
def room(room_id: int) -> str:
    """One room: capacity, equipment and its time slots."""
    found = get_room(db.session(), room_id)
    if found is None:
        abort(404)
    runtime = current_runtime()
    return render_template(
        "facilities/room.html",
        tenant=g.tenant,
        room=found,
        scheme=runtime.config.slot_schemes[found.slot_scheme],
    )
