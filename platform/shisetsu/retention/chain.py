"""The certificates' hash chain: canonical content, hashing, issuing and verifying.

A certificate's ``hash`` is the :mod:`shisetsu.hashchain` link hash of its content; the
first certificate's ``prev_hash`` is a genesis value derived from the tenant slug, so one
tenant's certificates cannot be passed off as another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu import hashchain
from shisetsu.retention.models import DeletionCertificate

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
    return certificate


@dataclass(frozen=True)
class ChainVerdict:
    """Whether every certificate carries its hash and follows its predecessor."""

    checked: int
    broken_number: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_number is None


def verify(session: Session, scope: str) -> ChainVerdict:
    """Walk the certificates in id order; stop at the first that breaks the chain."""
    expected_prev, checked = genesis(scope), 0
    for cert in session.scalars(sa.select(DeletionCertificate).order_by(DeletionCertificate.id)):
        if cert.prev_hash != expected_prev or cert.hash != certificate_hash(
            cert.prev_hash, content_of(cert)
        ):
            return ChainVerdict(checked, cert.number)
        expected_prev, checked = cert.hash, checked + 1
    return ChainVerdict(checked)


def verifies(certificate: DeletionCertificate) -> bool:
    """Whether one certificate's hash matches its content and ``prev_hash``."""
    return certificate.hash == certificate_hash(certificate.prev_hash, content_of(certificate))
