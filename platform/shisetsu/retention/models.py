"""Deletion certificates (消去証明), what they covered, and residents' deletion requests.

All three tables live in the tenant schema and hold no personal data: only ids, counts,
times and hashes. Certificates are append-only for the application (SQLite triggers,
PostgreSQL grants) and form a hash chain: each covers the previous one's hash, and
``prev_hash`` is unique, so the chain cannot fork.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import Base, PlatformBase, UtcDateTime, utcnow

RETENTION, REQUEST = "retention", "request"
TRIGGERS = (RETENTION, REQUEST)
PENDING, DONE = "pending", "done"
REQUEST_STATES = (PENDING, DONE)


class DeletionCertificate(Base):
    """One purge: what (items), how many (counts), when, by which job or person, and hash."""

    __tablename__ = "deletion_certificates"
    __table_args__ = (
        sa.CheckConstraint(f"trigger IN {TRIGGERS!r}", name="trigger"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("prev_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    trigger: Mapped[str] = mapped_column(sa.String(10))
    """``retention`` (the period ended) or ``request`` (the person asked)."""
    executed_by: Mapped[str] = mapped_column(sa.String(120))
    """The job's path, ``cli:<user>``, or ``resident #<id>`` (never a name)."""
    retention_months: Mapped[int | None]
    cutoff: Mapped[date | None] = mapped_column(sa.Date)
    """Records whose end was before this local date were due."""
    counts: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    items: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    """The personal-data items (``table.column``) erased."""
    subjects: Mapped[dict[str, list[int]]] = mapped_column(sa.JSON, default=dict)
    """Ids of the purged records by type (ids only, no personal data)."""
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    @property
    def total(self) -> int:
        """How many records the purge changed in all."""
        return sum(int(v) for v in (self.counts or {}).values())

    def content(self) -> dict[str, Any]:
        """The fields the hash covers (see :func:`shisetsu.retention.chain.content_of`)."""
        from shisetsu.retention.chain import content_of

        return content_of(self)


class PurgedRecord(Base):
    """A tombstone: this group or account was purged under that certificate (once)."""

    __tablename__ = "retention_purged"
    __table_args__ = (sa.UniqueConstraint("record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int]
    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deletion_certificates.id"), index=True
    )
    purged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DeletionRequest(Base):
    """A resident's request to delete their account: the account is closed at once and
    purged by the request job once the confirmation mail has left the outbox."""

    __tablename__ = "deletion_requests"
    __table_args__ = (sa.CheckConstraint(f"state IN {REQUEST_STATES!r}", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    mail_key: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(10), default=PENDING, index=True)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deletion_certificates.id"))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CertificateCopy(PlatformBase):
    """The platform's copy of a tenant's deletion certificate, written after its commit.

    A restore re-applies every copied certificate the restored tenant lacks, so people
    erased after the backup was taken stay erased, and the tenant's chain is whole again.
    """

    __tablename__ = "certificate_copies"
    __table_args__ = (sa.UniqueConstraint("tenant_slug", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_slug: Mapped[str] = mapped_column(sa.String(31), index=True)
    certificate_id: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(40))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """The hashed fields as plain JSON (ids only, no personal data)."""
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
