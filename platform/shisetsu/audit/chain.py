"""The hash chain of an access log: appending under a lock, and walking it to verify.

Generic over the two logs (tenant and platform): each function takes the entry and head
models. An entry's hash is the :mod:`shisetsu.hashchain` link hash of its fields
including its id, so altering a field, renumbering, removing or reordering entries breaks
the chain at a place :func:`verify` names. The first entry's ``prev_hash`` is a genesis
value derived from the log's scope (the tenant slug, or ``platform``), so one tenant's log
cannot be passed off as another's.

Appending is linear: on PostgreSQL the head row is locked (``SELECT … FOR UPDATE``) until
the transaction ends, so concurrent appends queue; SQLite has one writer at a time (a
second writer that read a stale head fails on the primary key instead of forking).

What this cannot stop: the database superuser (or whoever owns the SQLite file) can rewrite
the whole chain from the altered entry on. Verification detects everything short of that;
keeping an exported head hash elsewhere (the ward's copy) closes the gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu import hashchain

HEAD_ID = 1
HASHED_FIELDS = (
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "role",
    "action",
    "record_type",
    "record_id",
    "detail",
    "purpose",
    "ip",
    "user_agent",
)


def genesis(scope: str) -> str:
    """The ``prev_hash`` of a log's first entry."""
    return hashchain.genesis("access log", scope)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash an entry with ``fields`` after ``prev_hash`` must carry."""
    return hashchain.link_hash(prev_hash, hashchain.plain_fields(fields, HASHED_FIELDS))


def append(
    session: Session, log_model: Any, head_model: Any, scope: str, fields: dict[str, Any]
) -> Any:
    """Add one entry after the head (locked until the caller's transaction ends); flushed."""
    head = session.scalar(
        sa.select(head_model)
        .where(head_model.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)  # the row as locked, never a stale copy
    )
    if head is None:
        raise RuntimeError(f"{head_model.__tablename__} has no head row: run the migrations")
    prev_hash = head.last_hash or genesis(scope)
    values = {**fields, "id": int(head.last_id) + 1}
    entry = log_model(**values, prev_hash=prev_hash, hash=entry_hash(prev_hash, values))
    session.add(entry)
    head.last_id, head.last_hash = entry.id, entry.hash
    session.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    """Result of walking a chain: intact, or the first broken entry and why."""

    scope: str
    checked: int
    last_id: int
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "ok": self.ok,
            "checked": self.checked,
            "last_id": self.last_id,
            "broken_id": self.broken_id,
            "problem": self.problem,
        }


def verify(session: Session, log_model: Any, head_model: Any, scope: str) -> Verdict:
    """Walk the log in id order; stop at the first entry that breaks the chain."""
    result = session.execute(
        sa.select(log_model).order_by(log_model.id).execution_options(yield_per=500)
    )
    try:
        return _walk(session, result.scalars(), head_model, scope)
    finally:
        result.close()  # a server-side cursor on PostgreSQL, also when stopping early


def _walk(session: Session, rows: Iterable[Any], head_model: Any, scope: str) -> Verdict:
    expected_prev, expected_id, checked = genesis(scope), 1, 0
    for entry in rows:
        fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
        if entry.id != expected_id:
            first = "the first entry" if expected_id == 1 else f"entry {expected_id - 1}"
            return _broken(
                scope,
                checked,
                expected_id,
                f"entry {expected_id} is missing (removed?): {first} is followed by "
                f"entry {entry.id}",
            )
        if entry.prev_hash != expected_prev:
            what = "the genesis value" if expected_id == 1 else f"the hash of entry {entry.id - 1}"
            return _broken(
                scope,
                checked,
                entry.id,
                f"prev_hash of entry {entry.id} does not match {what} (an entry before it was "
                "altered, removed or re-inserted)",
            )
        if entry_hash(entry.prev_hash, fields) != entry.hash:
            return _broken(
                scope, checked, entry.id, f"hash mismatch at entry {entry.id} (entry altered)"
            )
        expected_prev, expected_id, checked = entry.hash, expected_id + 1, checked + 1
    last_id = expected_id - 1
    head = session.get(head_model, HEAD_ID)
    head_id = int(head.last_id) if head is not None else -1
    head_hash = (head.last_hash or genesis(scope)) if head is not None else None
    if head_id != last_id or head_hash != expected_prev:
        return _broken(
            scope,
            checked,
            last_id + 1 if head_id > last_id else last_id,
            f"the head records entry {head_id} as the newest but the log ends at entry "
            f"{last_id} (entries removed from the end, or the head altered)",
        )
    return Verdict(scope, checked, last_id)


def _broken(scope: str, checked: int, entry_id: int, problem: str) -> Verdict:
    # Entries 1..checked were intact.
    return Verdict(scope, checked, checked, broken_id=entry_id, problem=problem)
