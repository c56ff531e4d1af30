"""Findings of the analysis, and the ward's review of them.

Findings live in the tenant schema (the operator's staff read them); reviews live in the
platform schema (:class:`~shisetsu.audit.models.FindingReview`), keyed by tenant and the
finding's ``day:rule:subject`` key. Why there: the review is the ward's statement. Written
into the tenant schema, the operator's own database role could alter or forge it; in the
platform schema only the ward side writes it, the rows are insert-only, and auditors keep
their read-only relationship with tenant data. Reading reviews for a tenant page uses a
separate, unbound session (the platform's), filtered by the tenant's slug.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.audit.models import Finding, FindingReview
from shisetsu.audit.operations import REVIEW, Actor, record
from shisetsu.extensions import db
from shisetsu.refusals import Refusal

MAX_COMMENT = 2000


class AlreadyReviewed(Refusal):
    """The finding has a review already (reviews are never overwritten)."""

    code = "already_reviewed"

    def __init__(self, key: str) -> None:
        super().__init__(message=key)


def list_findings(
    session: Session, *, since: date | None = None, limit: int = 200
) -> list[Finding]:
    """This tenant's findings, newest day first, most severe first within a day."""
    stmt = sa.select(Finding)
    if since is not None:
        stmt = stmt.where(Finding.day >= since)
    severity = sa.case({"high": 0, "medium": 1, "low": 2}, value=Finding.severity, else_=3)
    stmt = stmt.order_by(Finding.day.desc(), severity, Finding.id).limit(limit)
    return list(session.scalars(stmt))


def get_finding(session: Session, finding_id: int) -> Finding | None:
    """A finding of this tenant (None for another tenant's id: it is not in this schema)."""
    return session.get(Finding, finding_id)


def reviews_for(session: Session, slug: str, keys: Iterable[str]) -> dict[str, FindingReview]:
    """The ward's reviews of ``slug``'s findings with these keys (platform session)."""
    wanted = list(set(keys))
    if not wanted:
        return {}
    rows = session.scalars(
        sa.select(FindingReview).where(
            FindingReview.tenant_slug == slug, FindingReview.finding_key.in_(wanted)
        )
    )
    return {row.finding_key: row for row in rows}


def platform_reviews_for(slug: str, keys: Iterable[str]) -> dict[str, FindingReview]:
    """:func:`reviews_for` from a tenant-bound request: through its own platform session."""
    with Session(db.engine) as session:
        found = reviews_for(session, slug, keys)
        session.expunge_all()
        return found


def review_finding(
    session: Session,
    *,
    slug: str,
    finding: Finding,
    actor: Actor,
    comment: str,
    now: datetime,
) -> FindingReview:
    """The ward marks a finding reviewed, with a comment (platform session; caller commits).

    Logged in the platform's log; raises :class:`AlreadyReviewed` if it was reviewed.
    """
    if reviews_for(session, slug, [finding.key]):
        raise AlreadyReviewed(finding.key)
    if actor.id is None:
        raise ValueError("a review needs a signed-in auditor")
    review = FindingReview(
        tenant_slug=slug,
        finding_key=finding.key,
        finding_id=finding.id,
        auditor_id=actor.id,
        auditor_label=actor.label or "",
        comment=comment.strip()[:MAX_COMMENT],
        reviewed_at=now,
    )
    session.add(review)
    session.flush()
    record(session, REVIEW, "finding", f"{slug}:{finding.id}", detail=finding.rule, actor=actor)
    return review
