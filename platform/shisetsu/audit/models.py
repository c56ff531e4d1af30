"""The access log, its findings and the incident register.

``access_log`` exists twice with the same columns: in every tenant schema (everything that
happens at an operator) and in the platform schema (auditor sign-ins and auditor accounts,
which belong to no operator). Each is a hash chain: an entry's ``hash`` covers its fields
and the previous entry's hash, ids run 1, 2, 3 … without gaps (assigned under the lock on
the one-row ``access_log_head``, never from a sequence, so a rolled-back insert leaves no
hole), and the head remembers the newest entry, so a removed tail shows too.

The application's database role may only INSERT and SELECT log rows (PostgreSQL grants,
SQLite triggers); the head row may only move forward. See :mod:`shisetsu.audit.chain`.

Findings and incidents live in the tenant schema. The ward's review of a finding is kept in
the platform schema (:class:`FindingReview`): it is the auditor's statement, which the
operator's role can neither write nor alter.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import Base, PlatformBase, UtcDateTime, utcnow
from shisetsu.observability.personal import PERSONAL

SEVERITIES = ("low", "medium", "high")


class LogColumns:
    """One access-log entry: who, in which role, did what to which record, when, from where."""

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_kind: Mapped[str] = mapped_column(
        sa.String(10)
    )  # resident/staff/auditor/system/anonymous
    actor_id: Mapped[int | None]
    actor_label: Mapped[str | None] = mapped_column(sa.String(80), index=True, info=PERSONAL)
    role: Mapped[str | None] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(30), index=True)
    record_type: Mapped[str | None] = mapped_column(sa.String(30))
    record_id: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[str | None] = mapped_column(sa.String(200))
    purpose: Mapped[str | None] = mapped_column(sa.String(200))
    # Network data (see shisetsu.audit.chain): the raw values and the salt are dropped after
    # the tenant's access_log_network_days; the network prefix and the digest stay, hashed.
    ip: Mapped[str | None] = mapped_column(sa.String(45), info=PERSONAL)
    user_agent: Mapped[str | None] = mapped_column(sa.String(200), info=PERSONAL)
    ip_prefix: Mapped[str | None] = mapped_column(sa.String(49), info=PERSONAL)
    network_salt: Mapped[str | None] = mapped_column(sa.String(64))
    network_digest: Mapped[str | None] = mapped_column(sa.String(64))
    network_reduced_by: Mapped[int | None] = mapped_column(sa.BigInteger)
    hash_version: Mapped[int] = mapped_column(sa.SmallInteger, default=2)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class HeadColumns:
    """The newest entry of a chain (one row, id 1): the lock appends serialise on."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_hash: Mapped[str | None] = mapped_column(sa.String(64))


class AccessLog(LogColumns, Base):
    """The tenant's access log (append-only)."""

    __tablename__ = "access_log"


class AccessLogHead(HeadColumns, Base):
    """The tenant chain's head."""

    __tablename__ = "access_log_head"


class PlatformAccessLog(LogColumns, PlatformBase):
    """The platform's access log: auditor sign-ins and auditor account changes."""

    __tablename__ = "access_log"


class PlatformAccessLogHead(HeadColumns, PlatformBase):
    """The platform chain's head."""

    __tablename__ = "access_log_head"


class Finding(Base):
    """Something the daily analysis found in one day of the log (one per day, rule, subject)."""

    __tablename__ = "audit_findings"
    __table_args__ = (
        sa.UniqueConstraint("day", "rule", "subject"),
        sa.CheckConstraint(f"severity IN {SEVERITIES!r}", name="severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, index=True)  # the analysed local (Tokyo) day
    rule: Mapped[str] = mapped_column(sa.String(30))
    subject: Mapped[str] = mapped_column(sa.String(120))  # "staff:12", "ip:203.0.113.9" …
    severity: Mapped[str] = mapped_column(sa.String(10))
    count: Mapped[int]
    # Figures for the message (actor label, threshold, first/last time); no personal data.
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    first_log_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_log_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def key(self) -> str:
        """Stable identity across re-analysis (and a restore): ``day:rule:subject``."""
        return f"{self.day.isoformat()}:{self.rule}:{self.subject}"


class Incident(Base):
    """An incident staff reported (事故): what happened, when, which data; the ward is told."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    summary: Mapped[str] = mapped_column(sa.String(200))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    data_affected: Mapped[str] = mapped_column(sa.Text)
    people_affected: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(sa.Text)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    reported_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    reported_by_label: Mapped[str] = mapped_column(sa.String(100), info=PERSONAL)
    auditors_mailed: Mapped[int] = mapped_column(default=0)


class FindingReview(PlatformBase):
    """The ward's review of one tenant finding: who, when, with what comment (insert-only)."""

    __tablename__ = "finding_reviews"
    __table_args__ = (sa.UniqueConstraint("tenant_slug", "finding_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_slug: Mapped[str] = mapped_column(sa.String(31))
    finding_key: Mapped[str] = mapped_column(sa.String(200))
    finding_id: Mapped[int]
    auditor_id: Mapped[int]
    auditor_label: Mapped[str] = mapped_column(sa.String(100), info=PERSONAL)
    comment: Mapped[str] = mapped_column(sa.Text)
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ChainAnchor(PlatformBase):
    """The newest link of a tenant's chain as the platform last saw it (outside the tenant).

    Written after each tenant commit that extends the chain, and only forward, so a tenant
    restored from an older copy is behind its anchor: both verifiers report that rewind.
    A recorded restore moves the anchor to the restored head (see ``shisetsu.backup``).
    """

    __tablename__ = "chain_anchors"

    tenant_slug: Mapped[str] = mapped_column(sa.String(31), primary_key=True)
    chain: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # access_log, certificates
    last_id: Mapped[int] = mapped_column(sa.BigInteger)
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
