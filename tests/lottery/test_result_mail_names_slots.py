"""The lottery result mail names facility, room, date and time band — never a slot id."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from shisetsu.facilities.models import Room
from shisetsu.notify.models import OutboxMessage
from shisetsu.slots.ids import parse_slot_id
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import make_resident
from tests.support.groups import make_approved, today_in_tokyo
from tests.support.lottery import CLOSE, DRAW, enter, lottery_slot_ids, open_round, step

TENANT = "genkikan"


def _result_mail(app: Flask, round_id: int, email: str) -> OutboxMessage:
    with tenant_session(app, TENANT) as session:
        mail = session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.idempotency_key.startswith(f"lottery:{round_id}:result:"),
                OutboxMessage.to_address == email,
            )
        )
        assert mail is not None
        session.expunge(mail)
        return mail


def _expected(app: Flask, slot_id: str, locale: str) -> tuple[str, str, str]:
    ref = parse_slot_id(slot_id)
    with tenant_session(app, TENANT) as session:
        room = session.get(Room, ref.room_id)
        assert room is not None
        where = f"{room.facility.name(locale)} {room.name(locale)}"
        scheme = current_runtime().config.slot_schemes[room.slot_scheme]
        band = next(d for d in scheme.slots_for(ref.date) if d.code == ref.code)
        return where, band.name.get(locale), f"{band.start:%-H:%M}–{band.end:%H:%M}"


def test_the_result_mail_names_the_slot_in_the_recipients_language(app: Flask) -> None:
    rid = open_round(app, TENANT)
    (slot_id,) = lottery_slot_ids(app, TENANT, rid, 1)
    today = today_in_tokyo()
    for locale in ("en", "ja"):
        resident = make_resident(app, TENANT, locale=locale)
        gid = make_approved(
            app,
            TENANT,
            resident.id,
            valid_from=today - dt.timedelta(days=1),
            valid_until=today + dt.timedelta(days=800),
            contact_email=f"renraku-{locale}@example.jp",
        )
        enter(app, TENANT, rid, gid, [[slot_id]])
    step(app, TENANT, CLOSE)
    step(app, TENANT, DRAW)
    day = parse_slot_id(slot_id).date

    english = _result_mail(app, rid, "renraku-en@example.jp")
    where, band, times = _expected(app, slot_id, "en")
    assert slot_id not in english.body_text
    assert f"{where} {day:%Y-%m-%d} ({day:%a}) {band} {times}" in english.body_text
    assert "Choice 1: 2 groups entered" in english.body_text

    japanese = _result_mail(app, rid, "renraku-ja@example.jp")
    where, band, times = _expected(app, slot_id, "ja")
    assert slot_id not in japanese.body_text
    assert f"{where} {day.year}年{day.month}月{day.day}日" in japanese.body_text
    assert f"{band} {times}" in japanese.body_text
