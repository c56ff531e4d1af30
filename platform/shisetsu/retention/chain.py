"""The certificates' hash chain: canonical content, hashing, issuing and verifying.

A certificate's ``hash`` is the :mod:`shisetsu.hashchain` link hash of its content; the
first certificate's ``prev_hash`` is a genesis value derived from the tenant slug, so one
tenant's certificates cannot be passed off as another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu import hashchain
from shisetsu.audit import anchors
from shisetsu.retention.models import CertificateCopy, DeletionCertificate

HASHED_FIELDS = (
    "number",
    "issued_at",
    "trigger",
    "executed_by",
    "retention_months",
    "cutoff",
    "counts",
    "items",
    "subjects",
)


def genesis(scope: str) -> str:
    """The ``prev_hash`` of a tenant's first certificate."""
    return hashchain.genesis("deletion certificates", scope)


def content_of(certificate: Any) -> dict[str, Any]:
    """The hashed fields of ``certificate`` as plain JSON values."""
    return {name: hashchain.plain(getattr(certificate, name)) for name in HASHED_FIELDS}


def certificate_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """The hash a certificate with ``content`` after ``prev_hash`` must carry."""
    return hashchain.link_hash(prev_hash, content)


def last_certificate(session: Session) -> DeletionCertificate | None:
    """The newest certificate of the session's tenant."""
    stmt = sa.select(DeletionCertificate).order_by(DeletionCertificate.id.desc()).limit(1)
    return session.scalar(stmt)


def seal(session: Session, certificate: DeletionCertificate, scope: str) -> DeletionCertificate:
    """Number ``certificate``, chain it after the newest one and add it (flushed)."""
    last = last_certificate(session)
    sequence = (last.id if last is not None else 0) + 1
    certificate.number = f"{certificate.issued_at.year}-{sequence:06d}"
    certificate.prev_hash = last.hash if last is not None else genesis(scope)
    certificate.hash = certificate_hash(certificate.prev_hash, content_of(certificate))
    session.add(certificate)
    session.flush()
    keep_outside(session, certificate, scope)
    return certificate


def keep_outside(session: Session, certificate: DeletionCertificate, scope: str) -> None:
    """After the commit: anchor the chain's head and copy the certificate to the platform."""
    copy = {
        "tenant_slug": scope,
        "certificate_id": certificate.id,
        "number": certificate.number,
        "issued_at": certificate.issued_at,
        "content": content_of(certificate),
        "prev_hash": certificate.prev_hash,
        "hash": certificate.hash,
    }

    def write_copy(conn: sa.Connection) -> None:
        table = cast("sa.Table", CertificateCopy.__table__)
        known = sa.select(table.c.id).where(
            table.c.tenant_slug == scope, table.c.number == certificate.number
        )
        if conn.execute(known).first() is None:
            conn.execute(table.insert().values(**copy))

    anchors.after_commit(session, ("certificate", scope, certificate.number), write_copy)
    anchors.note(session, anchors.CERTIFICATES, certificate.id, certificate.hash)


@dataclass(frozen=True)
class ChainVerdict:
    """Whether every certificate carries its hash and follows its predecessor."""

    checked: int
    broken_number: str | None = None
    problem: str | None = None
    """Why the chain disagrees with the platform's anchor (a rewind), if it does."""

    @property
    def ok(self) -> bool:
        return self.broken_number is None and self.problem is None


def verify(session: Session, scope: str) -> ChainVerdict:
    """Walk the certificates in id order; stop at the first that breaks the chain."""
    expected_prev, checked, last_id = genesis(scope), 0, 0
    for cert in session.scalars(sa.select(DeletionCertificate).order_by(DeletionCertificate.id)):
        if cert.prev_hash != expected_prev or cert.hash != certificate_hash(
            cert.prev_hash, content_of(cert)
        ):
            return ChainVerdict(checked, cert.number)
        expected_prev, checked, last_id = cert.hash, checked + 1, cert.id
    rewound = anchors.check(
        scope,
        anchors.CERTIFICATES,
        last_id,
        lambda cert_id: session.scalar(
            sa.select(DeletionCertificate.hash).where(DeletionCertificate.id == cert_id)
        ),
    )
    return ChainVerdict(checked, problem=rewound[1] if rewound else None)


def verifies(certificate: DeletionCertificate) -> bool:
    """Whether one certificate's hash matches its content and ``prev_hash``."""
    return certificate.hash == certificate_hash(certificate.prev_hash, content_of(certificate))
