"""Changing a facility's descriptive fields; the change is logged (which fields, not what)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.facilities.models import Facility
from shisetsu.facilities.operations import DETAIL_TEXTS

FIELDS = ("address", "phone", *(f"{name}_{lang}" for name in DETAIL_TEXTS for lang in ("ja", "en")))
"""The columns staff edit on the facility page, in form order."""


def update_details(
    session: Session,
    facility: Facility,
    values: Mapping[str, str | None],
    *,
    actor: audit.Actor | None = None,
) -> list[str]:
    """Store ``values`` (blank → empty) and log the names of the fields that changed.

    Returns those names; nothing is logged when nothing changed. The caller commits.
    """
    changed = []
    for name in FIELDS:
        value = (values.get(name) or "").strip() or None
        if getattr(facility, name) != value:
            setattr(facility, name, value)
            changed.append(name)
    if changed:
        audit.record(
            session, audit.UPDATE, "facility", facility.id, detail=", ".join(changed), actor=actor
        )
    session.flush()
    return changed
