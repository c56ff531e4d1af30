"""PostgreSQL: the group locks have their races (see :mod:`tests.support.races`).

Two staff deciding one application at once (one approves, one rejects): one decision
stands, the other is told the application is no longer pending, one decision mail goes.
One Regasu resident sending two applications of one category at once: one is stored, the other
is refused (one group per category). Without the row locks both would go through.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu import audit
from shisetsu.groups import operations as group_ops
from shisetsu.groups import review
from shisetsu.groups.models import APPROVED, REJECTED, Group
from shisetsu.groups.operations import GroupStateError
from shisetsu.notify.models import OutboxMessage
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import make_resident, make_staff
from tests.support.groups import make_group
from tests.support.races import meet_after, run_racers

pytestmark = pytest.mark.postgres
TENANT = "genkikan"


def test_two_staff_deciding_one_application_at_once_one_decision_stands(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    resident = make_resident(pg_app, TENANT)
    group_id = make_group(pg_app, TENANT, resident.id, verified=True)
    staff = [make_staff(pg_app, TENANT).id for _ in range(2)]
    deciders = [audit.Actor("staff", sid, f"staff-{sid}", "responsible") for sid in staff]
    barrier = threading.Barrier(2)
    monkeypatch.setattr(review, "locked_group", meet_after(barrier, review.locked_group))
    now = dt.datetime.now(dt.UTC)

    def decide(act: Callable[[Any, Any, Group], None]) -> Callable[[], object]:
        def racer() -> object:
            with tenant_session(pg_app, TENANT) as session:
                group = review.locked_group(session, group_id)
                assert group is not None
                act(session, current_runtime(), group)
                session.commit()
                return "decided"

        return racer

    results = run_racers(
        decide(
            lambda s, r, g: review.approve(s, r.config, r.plugins, g, actor=deciders[0], now=now)
        ),
        decide(
            lambda s, r, g: review.reject(
                s, r.config, g, actor=deciders[1], reason="定員を超えています", now=now
            )
        ),
    )
    assert results.count("decided") == 1, results
    (lost,) = [r for r in results if r != "decided"]
    assert isinstance(lost, GroupStateError) and lost.code == "not_pending", results
    with tenant_session(pg_app, TENANT) as session:
        group = session.get(Group, group_id)
        assert group is not None
        winner = staff[0] if results[0] == "decided" else staff[1]
        assert group.status == (APPROVED if winner == staff[0] else REJECTED)
        assert group.decided_by_id == winner
        assert (group.rejection_reason is None) == (group.status == APPROVED)
        mails = session.scalar(
            sa.select(sa.func.count()).where(
                OutboxMessage.idempotency_key == f"group:{group_id}:decision"
            )
        )
    assert mails == 1


def test_two_applications_of_one_resident_at_once_store_one(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    resident = make_resident(pg_app, "regasu")
    barrier = threading.Barrier(2)
    # Meet after the eligibility check, which runs under the account lock: with the lock
    # the second racer checks only once the first has stored its group.
    check = meet_after(barrier, group_ops.check_application)
    monkeypatch.setattr(group_ops, "check_application", check)

    def applying(name: str) -> Callable[[], object]:
        application = group_ops.Application(
            name=name,
            category="resident",
            representative_name="新宿 花子",
            representative_address="東京都新宿区（架空）",
            representative_phone_home="03-0000-0001",
            representative_phone_mobile=None,
            contact_name="新宿 太郎",
            contact_address="東京都新宿区（架空）",
            contact_phone_home=None,
            contact_phone_mobile="090-0000-0001",
            contact_email=resident.email,
            member_count=6,
            resident_count=4,
            representative_is_resident=True,
            representative_is_adult=True,
        )

        def racer() -> object:
            with tenant_session(pg_app, "regasu") as session:
                runtime = current_runtime()
                group = group_ops.submit_application(
                    session,
                    runtime.config,
                    runtime.plugins,
                    account_id=resident.id,
                    application=application,
                    now=dt.datetime.now(dt.UTC),
                )
                session.commit()
                return group.id

        return racer

    results = run_racers(applying("同時申請A"), applying("同時申請B"))
    stored = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, group_ops.Ineligible)]
    assert len(stored) == 1 and len(refused) == 1, results
    with tenant_session(pg_app, "regasu") as session:
        groups = session.scalars(sa.select(Group.id).where(Group.account_id == resident.id))
        assert list(groups) == stored
