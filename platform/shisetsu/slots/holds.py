"""Holding slots: the one write path that makes a double booking impossible.

``hold_slots`` inserts one ``slot_holds`` row per slot inside a SAVEPOINT of the caller's
transaction. The unique key (room, date, code) lets only the first writer in: a second
one — even a concurrent transaction that checked "free" a millisecond earlier — gets an
IntegrityError, turned here into :class:`SlotTaken`, and none of its rows stay (a
full-day set is all or nothing). The caller's transaction remains usable after
SlotTaken; committing is the caller's job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shisetsu.refusals import Refusal
from shisetsu.slots.ids import SlotRef, parse_slot_id
from shisetsu.slots.models import HOLD_KINDS, SlotHold
from shisetsu.slots.operations import Slot


class SlotTaken(Refusal):
    """Some of the requested slots are already held; nothing was held."""

    code = "slot_taken"

    def __init__(self, slot_ids: Sequence[str]) -> None:
        super().__init__(message=f"slot(s) already taken: {', '.join(slot_ids)}")
        self.slot_ids = list(slot_ids)


def as_ref(slot: SlotRef | Slot | str) -> SlotRef:
    """A slot id, :class:`Slot` or :class:`SlotRef` as a :class:`SlotRef`."""
    if isinstance(slot, SlotRef):
        return slot
    if isinstance(slot, str):
        return parse_slot_id(slot)
    return slot.ref


def taken_among(session: Session, refs: Iterable[SlotRef]) -> list[str]:
    """Ids of the given slots that are held right now, sorted."""
    wanted = set(refs)
    if not wanted:
        return []
    stmt = sa.select(SlotHold.room_id, SlotHold.date, SlotHold.slot_code).where(
        SlotHold.room_id.in_(sorted({r.room_id for r in wanted})),
        SlotHold.date.in_(sorted({r.date for r in wanted})),
        SlotHold.slot_code.in_(sorted({r.code for r in wanted})),
    )
    held = {SlotRef(r, d, c) for r, d, c in session.execute(stmt)}
    return sorted(ref.id for ref in wanted & held)


JUST_TAKEN = dt.timedelta(minutes=10)
"""A slot taken this recently was "just taken" (someone else was booking it at the same time)."""


def held_since(session: Session, refs: Iterable[SlotRef]) -> dt.datetime | None:
    """When the newest hold among the given slots was made (None when none is held)."""
    wanted = set(refs)
    if not wanted:
        return None
    stmt = sa.select(
        SlotHold.room_id, SlotHold.date, SlotHold.slot_code, SlotHold.created_at
    ).where(
        SlotHold.room_id.in_(sorted({r.room_id for r in wanted})),
        SlotHold.date.in_(sorted({r.date for r in wanted})),
        SlotHold.slot_code.in_(sorted({r.code for r in wanted})),
    )
    times = [at for r, d, c, at in session.execute(stmt) if SlotRef(r, d, c) in wanted]
    return max(times) if times else None


def just_taken(session: Session, refs: Iterable[SlotRef], now: dt.datetime) -> bool:
    """Whether a hold on these slots was made within :data:`JUST_TAKEN` of ``now``."""
    since = held_since(session, refs)
    return since is not None and now - since <= JUST_TAKEN


def _ensure_real_transaction(session: Session) -> None:
    """Make SQLite open its transaction now, so the SAVEPOINT below nests inside it.

    pysqlite only starts a transaction at the first write; a SAVEPOINT issued before that
    starts one itself, and releasing it would COMMIT — escaping the caller's rollback.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.dbapi_connection
    if dbapi is not None and not getattr(dbapi, "in_transaction", True):
        connection.exec_driver_sql("BEGIN")


def hold_slots(
    session: Session,
    slots: Iterable[SlotRef | Slot | str],
    kind: str,
    ref_id: int | None = None,
    *,
    note: str | None = None,
    staff_id: int | None = None,
) -> list[SlotHold]:
    """Hold every slot in ``slots`` for ``kind``/``ref_id``, or none of them.

    ``slots`` are slot ids, :class:`Slot` or :class:`SlotRef` (already resolved and
    checked for state by the caller: this only guarantees exclusivity). Raises
    :class:`SlotTaken` listing the slots someone else holds, ``ValueError`` for an empty
    list, a slot given twice or an unknown kind.
    """
    refs = [as_ref(s) for s in slots]
    refs_sorted = sorted(refs)  # one global order: two writers never wait on each other in a cycle
    if kind not in HOLD_KINDS:
        raise ValueError(f"unknown hold kind {kind!r}")
    if not refs:
        raise ValueError("no slots to hold")
    if len(set(refs)) != len(refs):
        raise ValueError("a slot is listed twice")
    taken = taken_among(session, refs)
    if taken:
        raise SlotTaken(taken)
    _ensure_real_transaction(session)
    rows = [
        SlotHold(
            room_id=ref.room_id,
            date=ref.date,
            slot_code=ref.code,
            kind=kind,
            ref_id=ref_id,
            note=note,
            created_by_staff_id=staff_id,
        )
        for ref in refs_sorted
    ]
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        taken = taken_among(session, refs)
        if not taken:  # not a unique-key race (e.g. a room that does not exist)
            raise
        raise SlotTaken(taken) from None
    return rows


def release_slots(session: Session, kind: str, ref_id: int) -> int:
    """Delete the holds of ``kind``/``ref_id`` (e.g. a cancelled booking); returns how many."""
    result = session.execute(
        sa.delete(SlotHold).where(SlotHold.kind == kind, SlotHold.ref_id == ref_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def holds_between(
    session: Session, room_id: int, start: dt.date, end: dt.date, kind: str | None = None
) -> list[SlotHold]:
    """The holds of one room in ``start..end`` (optionally of one kind), in date order."""
    stmt = sa.select(SlotHold).where(
        SlotHold.room_id == room_id, SlotHold.date >= start, SlotHold.date <= end
    )
    if kind is not None:
        stmt = stmt.where(SlotHold.kind == kind)
    return list(session.scalars(stmt.order_by(SlotHold.date, SlotHold.slot_code)))
