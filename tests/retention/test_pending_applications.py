"""An application nobody decided on is erased once ``pending_application_months`` runs out
(the daily retention job), and closed as lapsed; a younger one is left alone."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from flask import Flask

from shisetsu.dates import add_months_clamped as add_months
from shisetsu.groups.models import EXPIRED, PENDING, Group
from shisetsu.jobs.runner import run_in_app
from shisetsu.retention.jobs import PURGE_JOB
from shisetsu.retention.operations import ERASED
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import make_resident
from tests.support.groups import make_group, today_in_tokyo, update_group
from tests.support.retention import certificates


@pytest.fixture
def app(any_app: Flask) -> Flask:
    return any_app


def applied_months_ago(app: Flask, months: int) -> int:
    resident = make_resident(app, "regasu")
    group_id = make_group(app, "regasu", resident.id, status=PENDING)
    day = add_months(today_in_tokyo(), -months)
    update_group(
        app, "regasu", group_id, privacy_accepted_at=datetime.combine(day, time(3), tzinfo=UTC)
    )
    return group_id


def test_a_lapsed_application_is_erased_and_a_young_one_kept(app: Flask) -> None:
    lapsed = applied_months_ago(app, 7)
    young = applied_months_ago(app, 5)

    result = run_in_app(app, "regasu", PURGE_JOB)

    assert lapsed in result["groups"] and young not in result["groups"]
    with tenant_session(app, "regasu") as session:
        gone = session.get(Group, lapsed)
        kept = session.get(Group, young)
        assert gone is not None and kept is not None
        assert gone.status == EXPIRED and gone.decided_at is not None
        assert gone.representative_name == gone.contact_email == ERASED
        assert gone.representative_phone_home is None
        assert kept.status == PENDING and kept.representative_name == "新宿 花子"
    cert = certificates(app, "regasu")[-1]
    assert cert["number"] == result["certificate"] and lapsed in cert["subjects"]["groups"]
    assert run_in_app(app, "regasu", PURGE_JOB)["certificate"] is None
