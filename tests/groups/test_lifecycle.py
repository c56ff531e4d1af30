"""After approval: renewal, withdrawal, the daily expiry job and the booking rights it ends.

The expiry job runs against every group of the tenant; on PostgreSQL other tests' groups
share the database, so these tests only look at their own ids.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.dates import add_months_clamped as add_months
from shisetsu.groups.jobs import expire_groups
from shisetsu.groups.models import Group
from shisetsu.groups.operations import active_groups_of, can_book, validity_period
from shisetsu.jobs.runner import run_in_app
from shisetsu.jobs.schedule import SCHEDULE
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.config import Registration
from tests.support.groups import (
    form_data,
    groups_of,
    mails,
    make_approved,
    make_group,
    new_group_id,
    signed_in_resident,
    signed_in_staff,
    text,
    today_in_tokyo,
    update_group,
)

pytestmark = pytest.mark.dates


def renewable_group(client: FlaskClient, app: Flask, tenant: str = "regasu") -> tuple[int, int]:
    """A signed-in resident's approved group ending in 30 days: (account id, group id)."""
    resident = signed_in_resident(client, app, tenant)
    today = today_in_tokyo()
    group_id = make_approved(
        app,
        tenant,
        resident.id,
        valid_from=add_months(today, -23),
        valid_until=today + timedelta(days=30),
    )
    return resident.id, group_id


# --- renewal ---------------------------------------------------------------------------


def test_renewal_opens_before_expiry_and_is_reviewed_again(
    client: FlaskClient, any_app: Flask
) -> None:
    account_id, old_id = renewable_group(client, any_app)
    listing = text(client.get("/regasu/groups/"))
    assert f'href="/regasu/groups/{old_id}/renew"' in listing

    form = text(client.get(f"/regasu/groups/{old_id}/renew"))
    assert 'value="新宿 花子"' in form  # pre-filled from the current registration
    assert 'name="category"' not in form  # a renewal keeps its category

    # The renewed group does not count against "one group per category".
    new_id = new_group_id(
        client.post(
            f"/regasu/groups/{old_id}/renew", data={**_renewal_form(), "category": "children"}
        )
    )
    rows = {g["id"]: g for g in groups_of(any_app, "regasu", account_id)}
    assert rows[new_id]["status"] == "pending"
    assert rows[new_id]["renews_group_id"] == old_id
    assert rows[new_id]["category"] == "resident"  # the category did not change
    assert rows[old_id]["status"] == "approved"

    # One renewal at a time.
    again = client.post(f"/regasu/groups/{old_id}/renew", data=_renewal_form())
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/groups/{old_id}")
    assert len(groups_of(any_app, "regasu", account_id)) == 2

    staff = any_app.test_client()
    signed_in_staff(staff, any_app, "regasu")
    staff.post(
        f"/regasu/manage/groups/{new_id}/verify",
        data={"verified_member_count": "6", "verified_resident_count": "4"},
    )
    assert staff.post(f"/regasu/manage/groups/{new_id}/approve").status_code == 302
    rows = {g["id"]: g for g in groups_of(any_app, "regasu", account_id)}
    old_until = rows[old_id]["valid_until"]
    assert rows[new_id]["status"] == "approved"
    assert rows[new_id]["valid_from"] == old_until + timedelta(days=1)  # no gap, no overlap
    assert rows[new_id]["valid_until"] == add_months(old_until + timedelta(days=1), 24) - timedelta(
        days=1
    )
    assert rows[old_id]["status"] == "approved"  # until its own last day


def _renewal_form() -> dict[str, str]:
    data = form_data("regasu")
    data.pop("category")
    return data


def test_renewal_is_closed_far_from_expiry(client: FlaskClient, any_app: Flask) -> None:
    resident = signed_in_resident(client, any_app, "genkikan")
    today = today_in_tokyo()
    group_id = make_approved(
        any_app, "genkikan", resident.id, valid_from=today, valid_until=add_months(today, 24)
    )
    assert f"/groups/{group_id}/renew" not in text(client.get("/genkikan/groups/"))
    response = client.post(f"/genkikan/groups/{group_id}/renew", data=_renewal_form())
    assert response.status_code == 302
    assert len(groups_of(any_app, "genkikan", resident.id)) == 1


def test_withdrawing_ends_the_registration_and_its_pending_renewal(
    client: FlaskClient, any_app: Flask
) -> None:
    account_id, old_id = renewable_group(client, any_app)
    renewal = new_group_id(client.post(f"/regasu/groups/{old_id}/renew", data=_renewal_form()))
    assert client.post(f"/regasu/groups/{old_id}/withdraw").status_code == 302
    rows = {g["id"]: g for g in groups_of(any_app, "regasu", account_id)}
    assert rows[old_id]["status"] == rows[renewal]["status"] == "withdrawn"
    assert rows[old_id]["withdrawn_at"] is not None
    with tenant_session(any_app, "regasu") as session:
        assert active_groups_of(session, account_id, today_in_tokyo()) == []


# --- expiry ----------------------------------------------------------------------------


def test_expiry_job_expires_and_warns_once(any_app: Flask) -> None:
    client = any_app.test_client()
    resident = signed_in_resident(client, any_app, "genkikan", locale="en")
    today = today_in_tokyo()
    ended = make_approved(
        any_app,
        "genkikan",
        resident.id,
        valid_from=add_months(today, -24),
        valid_until=today - timedelta(days=1),
        name="終わったクラブ",
    )
    ending = make_approved(
        any_app,
        "genkikan",
        resident.id,
        valid_from=add_months(today, -23),
        valid_until=today + timedelta(days=10),
        name="もうすぐクラブ",
    )
    later = make_approved(
        any_app,
        "genkikan",
        resident.id,
        valid_from=today,
        valid_until=today + timedelta(days=40),
        name="まだまだクラブ",
    )
    last_day = make_approved(
        any_app,
        "genkikan",
        resident.id,
        valid_from=add_months(today, -24),
        valid_until=today,
        name="今日までクラブ",
    )

    with tenant_session(any_app, "genkikan") as session:
        before = {g.id for g in active_groups_of(session, resident.id, today)}
        assert before == {ending, later, last_day}
        first = expire_groups(session, today)
        session.commit()
    assert ended in first.expired and ending not in first.expired and last_day not in first.expired
    assert ending in first.notified and last_day in first.notified and later not in first.notified

    with tenant_session(any_app, "genkikan") as session:
        second = expire_groups(session, today)
        session.commit()
    assert not {ended, ending, later, last_day} & set(second.expired + second.notified)

    rows = {g["id"]: g for g in groups_of(any_app, "genkikan", resident.id)}
    assert rows[ended]["status"] == "expired"
    assert rows[ending]["expiry_notice_sent_at"] is not None
    (notice,) = mails(any_app, "genkikan", f"group:{ending}:")
    assert notice.kind == "group_expiry_notice" and notice.locale == "en"
    assert notice.to_address == "contact@example.jp"  # the contact person
    assert "ends soon" in notice.subject
    assert mails(any_app, "genkikan", f"group:{ended}:") == []

    with tenant_session(any_app, "genkikan") as session:
        expired = session.get(Group, ended)
        assert expired is not None and not can_book(expired, today)
        assert ended not in {g.id for g in active_groups_of(session, resident.id, today)}


def test_rights_end_at_midnight_even_before_the_job(any_app: Flask) -> None:
    client = any_app.test_client()
    resident = signed_in_resident(client, any_app, "genkikan")
    today = today_in_tokyo()
    group_id = make_approved(
        any_app, "genkikan", resident.id, valid_from=today - timedelta(days=10), valid_until=today
    )
    with tenant_session(any_app, "genkikan") as session:
        group = session.get(Group, group_id)
        assert group is not None
        assert can_book(group, today)
        assert not can_book(group, today + timedelta(days=1))
        assert not can_book(group, today - timedelta(days=11))
        assert [g.id for g in active_groups_of(session, resident.id, today)] == [group_id]
        assert active_groups_of(session, resident.id, today + timedelta(days=1)) == []


def test_pending_and_rejected_groups_cannot_book(any_app: Flask) -> None:
    client = any_app.test_client()
    resident = signed_in_resident(client, any_app, "genkikan")
    pending = make_group(any_app, "genkikan", resident.id)
    with tenant_session(any_app, "genkikan") as session:
        group = session.get(Group, pending)
        assert group is not None and not can_book(group, today_in_tokyo())
        assert active_groups_of(session, resident.id, today_in_tokyo()) == []
    update_group(any_app, "genkikan", pending, status="rejected")
    with tenant_session(any_app, "genkikan") as session:
        group = session.get(Group, pending)
        assert group is not None and not can_book(group, today_in_tokyo())


def test_a_pending_renewal_holds_back_the_notice(any_app: Flask) -> None:
    client = any_app.test_client()
    resident = signed_in_resident(client, any_app, "genkikan")
    today = today_in_tokyo()
    old = make_approved(
        any_app,
        "genkikan",
        resident.id,
        valid_from=add_months(today, -23),
        valid_until=today + timedelta(days=5),
    )
    make_group(any_app, "genkikan", resident.id, renews_group_id=old)
    with tenant_session(any_app, "genkikan") as session:
        result = expire_groups(session, today)
        session.commit()
    assert old not in result.notified
    assert mails(any_app, "genkikan", f"group:{old}:") == []


def test_the_expiry_job_is_scheduled_daily_and_runs_per_tenant(any_app: Flask) -> None:
    (entry,) = [e for e in SCHEDULE if e.func_path == "shisetsu.groups.jobs.expiry_job"]
    minute, hour, *rest = entry.cron.split()
    assert rest == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()

    client = any_app.test_client()
    resident = signed_in_resident(client, any_app, "regasu")
    today = today_in_tokyo()
    ended = make_approved(
        any_app,
        "regasu",
        resident.id,
        valid_from=add_months(today, -24),
        valid_until=today - timedelta(days=1),
    )
    result = run_in_app(any_app, "regasu", entry.func_path)
    assert ended in result["expired"]
    assert groups_of(any_app, "regasu", resident.id)[0]["status"] == "expired"


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 12, 15), 2, date(2028, 2, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 10), -2, date(2025, 11, 10)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_a_registration_lasts_exactly_the_configured_months() -> None:
    first = validity_period(date(2026, 4, 1), Registration(validity_months=24))
    assert first == (date(2026, 4, 1), date(2028, 3, 31))
    following = validity_period(first[1] + timedelta(days=1), Registration(validity_months=24))
    assert following == (date(2028, 4, 1), date(2030, 3, 31))
