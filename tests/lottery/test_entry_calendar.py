"""Entering the lottery from the calendar: slots picked from a room's month grid into a
draft kept in the session (across rooms and rounds), ranked, reordered, reviewed and
submitted through the entry operation; the receipt page and mail name every choice."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.lottery.models import LotteryChoice, LotteryEntry
from shisetsu.slots.ids import parse_slot_id
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import Ref, sign_in_as
from tests.support.accounts import mails_to
from tests.support.groups import text
from tests.support.lottery import group, lottery_slot_ids, open_round

pytestmark = pytest.mark.dates

TENANT = "genkikan"


def entry_url(rid: int, tail: str = "enter") -> str:
    return f"/{TENANT}/lottery/rounds/{rid}/{tail}"


def signed_in(app: Flask) -> tuple[FlaskClient, Ref, int]:
    resident, gid = group(app, TENANT)
    client = app.test_client()
    sign_in_as(client, app, resident)
    return client, resident, gid


def act(client: FlaskClient, rid: int, gid: int, action: str, room: int | None = None) -> str:
    """Press a draft button; returns where it leads (always a 303)."""
    data: dict[str, object] = {"group": gid, "action": action}
    if room is not None:
        data["room"] = room
    response = client.post(entry_url(rid, "draft"), data=data)
    assert response.status_code == 303, text(response)[:1000]
    return response.headers["Location"]


def two_rooms(app: Flask, rid: int) -> tuple[str, str, str]:
    """Three lottery slots of the round: two in one room, one in another."""
    found = lottery_slot_ids(app, TENANT, rid, 80)
    first_room = parse_slot_id(found[0]).room_id
    same = [s for s in found if parse_slot_id(s).room_id == first_room]
    other = [s for s in found if parse_slot_id(s).room_id != first_room]
    return same[0], other[0], same[1]


def names_in(page: str) -> list[str]:
    """The facts of each listed choice (facility, room, date, time band), in order."""
    items = re.findall(r'<dl class="choice-facts">(.*?)</dl>', page, re.S)
    return [" ".join(re.findall(r"<dd>(.*?)</dd>", item, re.S)) for item in items]


def saved_choices(app: Flask, rid: int, gid: int) -> list[list[str]]:
    with tenant_session(app, TENANT) as session:
        entry = session.scalar(
            sa.select(LotteryEntry).where(
                LotteryEntry.round_id == rid, LotteryEntry.group_id == gid
            )
        )
        if entry is None:
            return []
        rows = session.scalars(
            sa.select(LotteryChoice)
            .where(LotteryChoice.entry_id == entry.id)
            .order_by(LotteryChoice.rank)
        )
        return [list(c.slot_ids) for c in rows]


def test_a_draft_across_rooms_is_reordered_reviewed_and_submitted(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    a1, b1, a2 = two_rooms(any_app, rid)
    room_a, room_b = parse_slot_id(a1).room_id, parse_slot_id(b1).room_id
    client, resident, gid = signed_in(any_app)

    page = text(client.get(entry_url(rid) + f"?room={room_a}"))
    assert f'value="add:{a1}"' in page and "0 of 5 choices chosen; 5 left." not in page
    assert "希望5件中0件を選択中（あと5件）。" in page  # the count, in words
    assert "1団体が当選できるのは、希望のうち2件までです" in page  # Genkikan's win cap

    assert act(client, rid, gid, f"add:{a1}", room_a).endswith(f"room={room_a}#c-{a1}")
    act(client, rid, gid, f"add:{b1}", room_b)  # another room: the draft is kept
    act(client, rid, gid, f"add:{a2}", room_a)
    page = text(client.get(entry_url(rid) + f"?room={room_a}"))
    assert "希望5件中3件を選択中（あと2件）。" in page
    assert f'value="add:{a1}"' not in page and f'id="c-{a1}"' in page  # marked as chosen
    assert saved_choices(any_app, rid, gid) == []  # nothing saved yet

    assert act(client, rid, gid, "up:1", room_a).endswith("#choice-1")  # b1 to the top
    act(client, rid, gid, "down:1", room_a)  # a1 below a2
    review = text(client.get(entry_url(rid, "enter/review") + f"?group={gid}"))
    for rank, sid in enumerate([b1, a2, a1], start=1):
        assert f'name="choice{rank}" value="{sid}"' in review
    assert len(names_in(review)) == 3

    version = re.search(r'name="version" value="([^"]+)"', review)
    assert version is not None
    saved = client.post(
        entry_url(rid),
        data={
            "group": gid,
            "version": version.group(1),
            "choice1": b1,
            "choice2": a2,
            "choice3": a1,
        },
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/rounds/{rid}/entry?group={gid}")
    assert saved_choices(any_app, rid, gid) == [[b1], [a2], [a1]]

    receipt = text(client.get(saved.headers["Location"]))
    listed = names_in(receipt)
    assert len(listed) == 3 and all(sid not in receipt for sid in (a1, b1, a2))
    assert re.fullmatch(
        r"\S+ \S+ \d{4}年\d{1,2}月\d{1,2}日\([月火水木金土日]\) \S+ \d+:\d\d–\d+:\d\d", listed[0]
    )
    (mail,) = [m for m in mails_to(any_app, TENANT, resident.email) if ":receipt:" in m.key]
    assert all(sid not in mail.body for sid in (a1, b1, a2))
    for rank, words in enumerate(listed, start=1):
        assert f"第{rank}希望：{words}" in mail.body
    # Saved: the draft is gone, the entry page starts from the saved entry.
    page = text(client.get(entry_url(rid)))
    assert "希望5件中3件を選択中（あと2件）。" in page and "まだ保存されていません" not in page
