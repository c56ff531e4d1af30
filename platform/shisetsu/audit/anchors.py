"""Anchoring a tenant's hash chains outside the tenant: the platform's ``chain_anchors``.

An append remembers the chain's new head on the session; once the tenant transaction has
committed, the head is written to the platform schema (forward only). A tenant rewound to
an older copy (a restore, a file copied back) then ends before its anchor, or its entry at
the anchor's id no longer carries the anchor's hash: :func:`check` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shisetsu.audit.models import ChainAnchor
from shisetsu.db import TENANT_KEY, utcnow
from shisetsu.extensions import db

ACCESS_LOG, CERTIFICATES = "access_log", "certificates"
_PENDING = "shisetsu_chain_anchors"


def note(session: Session, chain: str, last_id: int, last_hash: str) -> None:
    """Remember a tenant chain's new head; written to the platform after the commit."""
    tenant = session.info.get(TENANT_KEY)
    if tenant is None:
        return  # the platform's own log lives where its anchor would
    slug = str(tenant.slug)
    after_commit(
        session, (slug, chain), lambda conn: advance(conn, slug, chain, last_id, last_hash)
    )


def after_commit(
    session: Session, key: tuple[str, ...], write: Callable[[sa.Connection], None]
) -> None:
    """Run ``write`` on a platform connection once the session's transaction has committed.

    A later call with the same ``key`` replaces an earlier one; a rollback drops them all.
    """
    pending: dict[tuple[str, ...], Callable[[sa.Connection], None]] | None = session.info.get(
        _PENDING
    )
    if pending is None:
        pending = session.info[_PENDING] = {}
        if not sa.event.contains(session, "after_commit", _write_pending):
            sa.event.listen(session, "after_commit", _write_pending)
            sa.event.listen(session, "after_soft_rollback", _forget_pending)
    pending[key] = write


def _forget_pending(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)


def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None) or {}
    if pending:
        with db.engine.begin() as conn:
            for write in pending.values():
                write(conn)


def advance(conn: sa.Connection, slug: str, chain: str, last_id: int, last_hash: str) -> None:
    """Move the anchor forward to ``last_id`` (never back); create it if missing.

    One upsert, so two first commits racing to create the anchor cannot both insert.
    """
    table = cast("sa.Table", ChainAnchor.__table__)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    values = {"last_id": last_id, "last_hash": last_hash, "updated_at": utcnow()}
    statement = insert(table).values(tenant_slug=slug, chain=chain, **values)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.tenant_slug, table.c.chain],
            set_=values,
            where=table.c.last_id < statement.excluded.last_id,
        )
    )


def reset(conn: sa.Connection, slug: str, chain: str, last_id: int, last_hash: str | None) -> None:
    """Set the anchor to a restored head (a recorded restore is the one way back)."""
    table = cast("sa.Table", ChainAnchor.__table__)
    conn.execute(table.delete().where((table.c.tenant_slug == slug) & (table.c.chain == chain)))
    if last_id > 0 and last_hash:
        conn.execute(
            table.insert().values(
                tenant_slug=slug,
                chain=chain,
                last_id=last_id,
                last_hash=last_hash,
                updated_at=utcnow(),
            )
        )


def anchor_of(slug: str, chain: str) -> tuple[int, str] | None:
    """The anchored (id, hash) of a tenant's chain, read on the platform connection."""
    table = cast("sa.Table", ChainAnchor.__table__)
    with db.engine.connect() as conn:
        row = conn.execute(
            sa.select(table.c.last_id, table.c.last_hash).where(
                (table.c.tenant_slug == slug) & (table.c.chain == chain)
            )
        ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def check(
    slug: str, chain: str, last_id: int, hash_of: Callable[[int], str | None]
) -> tuple[int, str] | None:
    """(anchored id, why) the tenant chain ending at ``last_id`` disagrees with its anchor.

    ``hash_of`` gives the hash of the chain's link with a given id (None if there is none).
    """
    anchored = anchor_of(slug, chain)
    if anchored is None:
        return None
    anchor_id, anchor_hash = anchored
    if last_id < anchor_id:
        return anchor_id, (
            f"the chain ends at {last_id} but the platform's anchor records {anchor_id} "
            "(rewound: restored from an older copy without a recorded restore?)"
        )
    if hash_of(anchor_id) != anchor_hash:
        return anchor_id, (
            f"link {anchor_id} does not carry the hash the platform anchored "
            "(the chain was replaced)"
        )
    return None
