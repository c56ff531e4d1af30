"""Mail about a group goes to its contact person (連絡担当者), the address the ward approved.

The account's address is for signing in and for mail about the account itself
(verification, password reset); it is never a second address book. Each test gives the
group a contact address different from the account's, so the assertion could fail.
Both databases (``any_app``).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.groups import mail as group_mail
from shisetsu.groups.models import Group
from shisetsu.notify.models import OutboxMessage
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.support.booking import book, member, open_day, slot
from tests.support.groups import apply, mails, new_group_id, signed_in_resident
from tests.support.lottery import CLOSE, DRAW, enter, lottery_slot_ids, open_round, step

pytestmark = pytest.mark.dates


def recipients(app: Flask, tenant: str, key_prefix: str) -> list[tuple[str, str]]:
    """(kind, to_address) of the outbox rows whose key starts with ``key_prefix``."""
    return [(m.kind, m.to_address) for m in mails(app, tenant, key_prefix)]


def test_registration_mail_goes_to_the_contact_person(any_app: Flask) -> None:
    client = any_app.test_client()
    resident = signed_in_resident(client, any_app, "genkikan")
    group_id = new_group_id(apply(client, "genkikan", contact_email="renraku-a@example.jp"))
    with tenant_session(any_app, "genkikan") as session:
        group = session.get(Group, group_id)
        assert group is not None and group.account.email == resident.email
        assert group_mail.group_address(group) == "renraku-a@example.jp"
        config = current_runtime().config
        group.status = "rejected"
        group.rejection_reason = "会員名簿が確認できませんでした"
        assert group_mail.queue_decision(session, config, group)
        assert group_mail.queue_expiry_notice(session, config, group)
        session.commit()
    assert recipients(any_app, "genkikan", f"group:{group_id}:") == [
        ("group_rejected", "renraku-a@example.jp"),
        ("group_expiry_notice", "renraku-a@example.jp"),
    ]
    with tenant_session(any_app, "genkikan") as session:
        to_account = session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.to_address == resident.email,
                OutboxMessage.idempotency_key.startswith("group:"),
            )
        )
    assert to_account == 0


def test_booking_mail_goes_to_the_contact_person(any_app: Flask) -> None:
    m = member(any_app, "regasu")
    day = open_day(any_app, "regasu", "history-museum")
    booking_id = book(
        any_app,
        "regasu",
        m.group_id,
        [slot(any_app, "regasu", "history-museum", "auditorium", day, "am")],
    )
    assert m.contact_email != m.resident.email
    assert recipients(any_app, "regasu", f"booking:{booking_id}:") == [
        ("booking_confirmed", m.contact_email)
    ]


def test_lottery_receipt_and_result_go_to_the_contact_person(any_app: Flask) -> None:
    rid = open_round(any_app, "genkikan")
    (wanted,) = lottery_slot_ids(any_app, "genkikan", rid, 1)
    m = member(any_app, "genkikan")
    enter(any_app, "genkikan", rid, m.group_id, [[wanted]])
    assert step(any_app, "genkikan", CLOSE)["closed"]
    assert step(any_app, "genkikan", DRAW)["drawn"]
    receipts = recipients(any_app, "genkikan", f"lottery:{rid}:receipt:{m.group_id}:")
    results = recipients(any_app, "genkikan", f"lottery:{rid}:result:{m.group_id}")
    assert receipts == [("lottery_receipt", m.contact_email)]
    assert results == [("lottery_result", m.contact_email)]
    assert m.contact_email != m.resident.email
