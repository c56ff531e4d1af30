"""Restoring a tenant from a backup without bringing erased people back, and on the record.

After the backup's data is in place, every deletion certificate the platform copied that
the restored tenant lacks (issued after the backup was taken) is carried out again and
re-inserted unchanged, so its chain is whole and its people are erased again. The restore
is then logged in the tenant's log and in the platform's, naming the backup (its sha256)
and where the log stood before, and the chains' anchors move to the restored heads: a
restore is the one way a chain may go back, and it is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.audit import anchors
from shisetsu.backup.operations import restore_tenant
from shisetsu.extensions import db
from shisetsu.groups.models import Group
from shisetsu.people.models import Account
from shisetsu.retention import operations as ops
from shisetsu.retention.chain import verifies
from shisetsu.retention.models import CertificateCopy, DeletionCertificate, PurgedRecord
from shisetsu.tenancy.binding import tenant_session


@dataclass(frozen=True)
class Restored:
    """What a restore did: the backup's identity, the log before and after, re-applied."""

    sha256: str
    taken_at: str | None
    log_before: int | None
    log_after: int
    reapplied: list[str]


def restore(app: Flask, slug: str, source: Path, *, actor: audit.Actor) -> Restored:
    """Replace tenant ``slug`` with the backup, re-apply later certificates, log it all."""
    before = anchors.anchor_of(slug, anchors.ACCESS_LOG)
    header = restore_tenant(app, slug, source)
    identity, taken_at = str(header["sha256"]), header.get("taken_at")
    replaced = (
        f"backup sha256 {identity[:16]} taken {taken_at or 'unknown'}; log was at "
        f"{before[0] if before else 0}"
    )
    # On the platform's record first: should anything below fail, the restore still shows
    # (and the anchors, not moved back, make both verifiers report the rewind).
    with app.app_context():
        audit.record(db.session(), audit.RESTORE, "tenant", slug, detail=replaced, actor=actor)
        db.session.commit()
    with tenant_session(app, slug) as session:
        reapplied = _reapply(session, slug)
        detail = f"{replaced}; {len(reapplied)} certificate(s) re-applied"
        entry = audit.record(
            session, audit.RESTORE, "backup", identity[:16], detail=detail, actor=actor
        )
        last_cert = session.scalar(
            sa.select(DeletionCertificate).order_by(DeletionCertificate.id.desc()).limit(1)
        )
        log_head = (int(entry.id), str(entry.hash))
        cert_head = (last_cert.id, last_cert.hash) if last_cert is not None else (0, None)
        # Replace the forward-only anchor writes the appends queued: this is a restore.
        anchors.after_commit(
            session,
            (slug, anchors.ACCESS_LOG),
            lambda conn: anchors.reset(conn, slug, anchors.ACCESS_LOG, *log_head),
        )
        anchors.after_commit(
            session,
            (slug, anchors.CERTIFICATES),
            lambda conn: anchors.reset(conn, slug, anchors.CERTIFICATES, *cert_head),
        )
        session.commit()
    return Restored(identity, taken_at, before[0] if before else None, log_head[0], reapplied)


def _copies(slug: str) -> list[CertificateCopy]:
    with Session(db.engine) as platform:
        stmt = (
            sa.select(CertificateCopy)
            .where(CertificateCopy.tenant_slug == slug)
            .order_by(CertificateCopy.certificate_id)
        )
        copies = list(platform.scalars(stmt))
        platform.expunge_all()
    return copies


def _reapply(session: Session, slug: str) -> list[str]:
    """Carry out and re-insert each copied certificate the tenant lacks; their numbers."""
    have = set(session.scalars(sa.select(DeletionCertificate.number)))
    done: list[str] = []
    for copy in _copies(slug):
        if copy.number in have:
            continue
        content: dict[str, Any] = copy.content
        subjects = content.get("subjects") or {}
        groups = _rows(session, Group, subjects.get("groups", []))
        accounts = _rows(session, Account, subjects.get("accounts", []))
        ops.erase(session, groups, accounts)
        cutoff = content.get("cutoff")
        certificate = DeletionCertificate(
            number=copy.number,
            issued_at=copy.issued_at,
            trigger=content["trigger"],
            executed_by=content["executed_by"],
            retention_months=content.get("retention_months"),
            cutoff=date.fromisoformat(cutoff) if cutoff else None,
            counts=content.get("counts") or {},
            items=content.get("items") or [],
            subjects=subjects,
            prev_hash=copy.prev_hash,
            hash=copy.hash,
        )
        if not verifies(certificate):
            raise RuntimeError(f"the platform's copy of certificate {copy.number} is altered")
        session.add(certificate)
        session.flush()
        for record_type, rows in ((ops.GROUP, groups), (ops.ACCOUNT, accounts)):
            for row in rows:
                session.add(
                    PurgedRecord(
                        record_type=record_type, record_id=row.id, certificate_id=certificate.id
                    )
                )
        done.append(copy.number)
    session.flush()
    return done


def _rows(session: Session, model: Any, ids: list[int]) -> list[Any]:
    if not ids:
        return []
    return list(session.scalars(sa.select(model).where(model.id.in_(ids)).order_by(model.id)))
