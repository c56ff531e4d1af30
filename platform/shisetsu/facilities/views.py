"""The tenant home page: facilities and rooms."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from shisetsu.extensions import db
from shisetsu.facilities.operations import list_facilities
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("facilities", __name__, url_prefix="/<tenant>")


@bp.get("/")
def home() -> str:
    """Operator home: what can be booked here."""
    runtime = current_runtime()
    return render_template(
        "facilities/home.html",
        tenant=g.tenant,
        config=runtime.config,
        facilities=list_facilities(db.session()),
    )
