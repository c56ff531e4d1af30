"""Messages from the facility's staff to one group: written on the staff group page, read
on the group's My page. Bounded lists only (the newest first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.groups.models import MESSAGE_MAX, Group, GroupMessage
from shisetsu.refusals import Refusal


class MessageRefused(Refusal):
    """The message is empty or too long; nothing was stored."""


def post_message(
    session: Session, group: Group, body: str, *, staff_id: int | None, now: dt.datetime
) -> GroupMessage:
    """Store a message to ``group`` (the caller commits)."""
    text = body.strip()
    if not text or len(text) > MESSAGE_MAX:
        raise MessageRefused("message_length")
    message = GroupMessage(group_id=group.id, body=text, staff_id=staff_id, created_at=now)
    session.add(message)
    session.flush()
    return message


def messages_for(
    session: Session, group_ids: Sequence[int], *, limit: int
) -> tuple[list[GroupMessage], int]:
    """The newest ``limit`` messages to any of ``group_ids``, and how many there are."""
    if not group_ids:
        return [], 0
    where = GroupMessage.group_id.in_(list(group_ids))
    total = int(session.scalar(sa.select(sa.func.count()).where(where)) or 0)
    rows = session.scalars(
        sa.select(GroupMessage)
        .where(where)
        .order_by(GroupMessage.created_at.desc(), GroupMessage.id.desc())
        .limit(limit)
    )
    return list(rows), total
