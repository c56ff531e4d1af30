"""The counter (窓口): finding the group a caller or visitor books for.

Staff type a group's name or a phone number the person gives; the phone is matched on
its digits only (hyphens and spaces ignored) against the representative's and the
contact's numbers. The results show what a counter needs to pick the group — name,
category, validity — never the personal items themselves.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.groups.models import APPROVED, Group

MIN_PHONE_DIGITS = 4
LIMIT = 30
PHONE_COLUMNS = (
    Group.representative_phone_home,
    Group.representative_phone_mobile,
    Group.contact_phone_home,
    Group.contact_phone_mobile,
)


def _digits(column: Any) -> sa.ColumnElement[str]:
    return sa.func.replace(sa.func.replace(sa.func.coalesce(column, ""), "-", ""), " ", "")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _phone_digits(text: str) -> str | None:
    digits = re.sub(r"[\s()+-]", "", text)
    return digits if digits.isdigit() and len(digits) >= MIN_PHONE_DIGITS else None


def matched_by(query: str) -> str:
    """``phone`` when ``query`` is searched as a phone number, else ``name``."""
    return "phone" if _phone_digits(unicodedata.normalize("NFKC", query or "").strip()) else "name"


def find_groups(session: Session, query: str, today: dt.date) -> list[Group]:
    """Approved groups, still valid, whose name contains ``query`` or whose phone matches."""
    text = unicodedata.normalize("NFKC", query or "").strip()[:100]
    if not text:
        return []
    digits = _phone_digits(text)
    if digits:
        pattern = f"%{digits}%"
        match = sa.or_(*(_digits(col).like(pattern) for col in PHONE_COLUMNS))
    else:
        match = Group.name.ilike(f"%{_escape(text)}%", escape="\\")
    stmt = (
        sa.select(Group)
        .where(match, Group.status == APPROVED, Group.valid_until >= today)
        .order_by(Group.name, Group.id)
        .limit(LIMIT)
    )
    return list(session.scalars(stmt))
