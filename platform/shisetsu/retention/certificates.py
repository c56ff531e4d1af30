"""Reading certificates: a page of the list (newest first) and one by id."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.retention import chain
from shisetsu.retention.inventory import Row, inventory
from shisetsu.retention.models import DeletionCertificate
from shisetsu.retention.requests import pending_requests
from shisetsu.routing import page_number

PER_PAGE = 20


def page_of(session: Session, page: int) -> tuple[list[DeletionCertificate], bool]:
    """Certificates of page ``page`` (1-based) and whether an older page follows."""
    page = page_number(page)
    stmt = (
        sa.select(DeletionCertificate)
        .order_by(DeletionCertificate.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    )
    rows = list(session.scalars(stmt))
    return rows[:PER_PAGE], len(rows) > PER_PAGE


def find(session: Session, certificate_id: int) -> DeletionCertificate | None:
    """The session's tenant's certificate ``certificate_id`` (None: not this tenant's)."""
    return session.get(DeletionCertificate, certificate_id)


@dataclass(frozen=True)
class Overview:
    """What an index page shows of one tenant: inventory, a page of certificates, state."""

    inventory: list[Row]
    certificates: list[DeletionCertificate]
    more: bool
    pending: int
    chain_ok: bool


def overview(session: Session, scope: str, page: int) -> Overview:
    """The inventory, certificates page ``page``, waiting requests and the chain's state."""
    rows, more = page_of(session, page)
    return Overview(
        inventory(session), rows, more, pending_requests(session), chain.verify(session, scope).ok
    )
