"""Entering the lottery from the calendar: slots picked from a room's month grid into a
draft kept in the session (across rooms and rounds), ranked, reordered, reviewed and
submitted through the entry operation; the receipt page and mail name every choice."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.lottery import drafts
from shisetsu.lottery.models import LotteryChoice, LotteryEntry, LotteryRound
from shisetsu.slots.ids import parse_slot_id
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.apps import PgDatabase, _dispose, pooled_pg_app
from tests.fixtures.auth import Ref, sign_in_as
from tests.fixtures.clock import Clock
from tests.support.accounts import mails_to
from tests.support.groups import text
from tests.support.lottery import CLOSE, enter, group, lottery_slot_ids, open_round
from tests.support.races import run_racers

pytestmark = pytest.mark.dates

TENANT = "genkikan"
CONTACT = "renraku-entry@example.jp"  # the group's contact person: mail about the group goes here


def entry_url(rid: int, tail: str = "enter") -> str:
    return f"/{TENANT}/lottery/rounds/{rid}/{tail}"


def signed_in(app: Flask) -> tuple[FlaskClient, Ref, int]:
    resident, gid = group(app, TENANT, contact_email=CONTACT)
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
    client, _resident, gid = signed_in(any_app)

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
    (mail,) = [m for m in mails_to(any_app, TENANT, CONTACT) if ":receipt:" in m.key]
    assert all(sid not in mail.body for sid in (a1, b1, a2))
    for rank, words in enumerate(listed, start=1):
        assert f"第{rank}希望：{words}" in mail.body
    # Saved: the draft is gone, the entry page starts from the saved entry.
    page = text(client.get(entry_url(rid)))
    assert "希望5件中3件を選択中（あと2件）。" in page and "まだ保存されていません" not in page


def count_line(page: str) -> str | None:
    found = re.search(r'id="draft-count"[^>]*>([^<]*)<', page)
    return found.group(1) if found else None


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', page)


def test_refused_changes_say_why_and_change_nothing(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT, entries_per_group=2)
    later = open_round(any_app, TENANT)  # the next month
    a1, b1, a2 = two_rooms(any_app, rid)
    (elsewhere,) = lottery_slot_ids(any_app, TENANT, later, 1)
    client, _resident, gid = signed_in(any_app)
    client.get(act(client, rid, gid, f"add:{a1}"))

    refusals = {
        f"add:{a1}": "同じ枠を2つ以上の希望に入れることはできません。",
        f"add:{elsewhere}": "この抽選の対象月以外の枠が含まれています。",
        "add:99999-20270101-am": "指定された枠が見つかりません。",
        "remove:7": "その希望はもう一覧にありません。何も変更していません。",
        "up:x": "その希望はもう一覧にありません。何も変更していません。",
        "jump:0": "その操作は受け付けられませんでした。何も変更していません。",
    }
    for action, message in refusals.items():
        page = text(client.get(act(client, rid, gid, action)))
        assert flashes(page) == [message], action
        assert count_line(page) == "希望2件中1件を選択中（あと1件）。", action

    client.get(act(client, rid, gid, f"add:{b1}"))
    page = text(client.get(act(client, rid, gid, f"add:{a2}")))  # the round allows two
    assert flashes(page) == ["希望は2つまでです。"]
    assert count_line(page) == "希望2件中2件を選択中（あと0件）。"
    assert 'value="add:' not in page  # full: the grid offers no more add buttons


def test_a_full_day_set_is_one_choice_named_as_the_set(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    (a1,) = lottery_slot_ids(any_app, TENANT, rid, 1)
    ref = parse_slot_id(a1)
    with tenant_session(any_app, TENANT) as session:
        from shisetsu.facilities.operations import get_room
        from shisetsu.tenancy.runtime import current_runtime

        room = get_room(session, ref.room_id)
        assert room is not None
        full = current_runtime().config.slot_schemes[room.slot_scheme].full_day[0]
    set_id = f"{ref.room_id}-{ref.date:%Y%m%d}-{full.code}"
    client, _resident, gid = signed_in(any_app)
    page = text(client.get(act(client, rid, gid, f"add:{set_id}")))
    assert count_line(page) == "希望5件中1件を選択中（あと4件）。"
    (named,) = names_in(page)
    assert named.endswith(f" {full.name.get('ja')} 9:00–21:00")
    # A single slot of that day, chosen in another draft, leaves the set no add button.
    other, _r, other_gid = signed_in(any_app)
    single = text(other.get(act(other, rid, other_gid, f"add:{a1}")))
    assert f'value="add:{set_id}"' not in single and f'id="c-{set_id}"' in single
    # Its slots are chosen with it: each of them shows the rank, none can be added.
    assert all(
        f'value="add:{ref.room_id}-{ref.date:%Y%m%d}-{code}"' not in page for code in full.slots
    )

    review = text(client.get(entry_url(rid, "enter/review") + f"?group={gid}"))
    assert f'name="choice1" value="{set_id}"' in review
    version = re.search(r'name="version" value="([^"]+)"', review)
    assert version is not None
    saved = client.post(
        entry_url(rid), data={"group": gid, "version": version.group(1), "choice1": set_id}
    )
    assert saved.status_code == 302
    members = sorted(f"{ref.room_id}-{ref.date:%Y%m%d}-{code}" for code in full.slots)
    assert saved_choices(any_app, rid, gid) == [members]
    assert names_in(text(client.get(saved.headers["Location"]))) == [named]
    (mail,) = [m for m in mails_to(any_app, TENANT, CONTACT) if ":receipt:" in m.key]
    assert f"第1希望：{named.replace(' ', ' ')}" in mail.body


def test_the_receipt_in_english_names_choices_in_english(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    (a1,) = lottery_slot_ids(any_app, TENANT, rid, 1)
    client, _resident, gid = signed_in(any_app)
    enter(any_app, TENANT, rid, gid, [[a1]])
    client.set_cookie("lang", "en")
    page = text(client.get(entry_url(rid, "entry") + f"?group={gid}"))
    (named,) = names_in(page)
    assert re.fullmatch(
        r".+ \d{4}-\d\d-\d\d \((Mon|Tue|Wed|Thu|Fri|Sat|Sun)\) .+ \d+:\d\d–\d+:\d\d", named
    )
    assert a1 not in page and "Choice 1" in page


def test_a_lottery_cell_leads_to_its_rounds_entry(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    (a1,) = lottery_slot_ids(any_app, TENANT, rid, 1)
    room = parse_slot_id(a1).room_id
    month = f"{a1.split('-')[1][:4]}-{a1.split('-')[1][4:6]}"
    grid = text(any_app.test_client().get(f"/{TENANT}/rooms/{room}/availability?month={month}"))
    assert f'href="/{TENANT}/lottery/slots/{a1}"' in grid
    anonymous = any_app.test_client().get(f"/{TENANT}/lottery/slots/{a1}")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]

    client, _resident, gid = signed_in(any_app)
    led = client.get(f"/{TENANT}/lottery/slots/{a1}")
    assert led.status_code == 303
    assert led.headers["Location"] == (
        f"/{TENANT}/lottery/rounds/{rid}/enter?group={gid}&room={room}#c-{a1}"
    )
    page = text(client.get(led.headers["Location"]))
    assert f'id="c-{a1}"><button type="submit" class="pick" name="action" value="add:{a1}"' in page
    # A slot no round takes entries for: back to the lottery page, saying so.
    gone = client.get(f"/{TENANT}/lottery/slots/{room}-20200106-am")
    assert gone.status_code == 303 and gone.headers["Location"] == f"/{TENANT}/lottery/"
    assert client.get(f"/{TENANT}/lottery/slots/not-a-slot").status_code == 400


def test_another_tenants_round_and_slots_are_404(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    (a1,) = lottery_slot_ids(any_app, TENANT, rid, 1)
    resident, gid = group(any_app, "regasu")
    client = any_app.test_client()
    sign_in_as(client, any_app, resident)
    with tenant_session(any_app, "regasu") as session:
        assert session.get(LotteryRound, rid) is None
    base = f"/regasu/lottery/rounds/{rid}"
    for path in ("enter", "enter/review", "entry"):
        assert client.get(f"{base}/{path}?group={gid}").status_code == 404, path
    assert (
        client.post(f"{base}/draft", data={"group": gid, "action": f"add:{a1}"}).status_code == 404
    )
    assert client.post(f"{base}/enter", data={"group": gid, "choice1": a1}).status_code == 404
    # Room ids are per tenant: Genkikan's slot id names Regasu's own room of that number,
    # whose month has no round there, so it never leads to Genkikan's round.
    led = client.get(f"/regasu/lottery/slots/{a1}")
    assert led.status_code == 303 and led.headers["Location"] == "/regasu/lottery/"
    assert client.get("/regasu/lottery/slots/99999-20270104-am").status_code == 404


def test_a_closed_round_takes_no_draft_changes(any_app: Flask, clock: Clock) -> None:
    rid = open_round(any_app, TENANT)
    (a1,) = lottery_slot_ids(any_app, TENANT, rid, 1)
    clock.move_to(CLOSE)
    client, _resident, gid = signed_in(any_app)
    page = text(client.get(act(client, rid, gid, f"add:{a1}")))
    assert flashes(page) == ["この抽選は、現在申込みを受け付けていません。"]
    assert count_line(page) == "希望5件中0件を選択中（あと5件）。"
    assert 'value="add:' not in page


def test_moving_and_removing_keep_every_other_choice() -> None:
    draft = [["a"], ["b"], ["c"]]
    assert drafts.move(draft, 2, -1) == [["a"], ["c"], ["b"]]
    assert drafts.move(draft, 0, -1) == draft  # the top stays the top
    assert drafts.move(draft, 2, 1) == draft
    assert drafts.remove(draft, 1) == [["a"], ["c"]]
    assert draft == [["a"], ["b"], ["c"]]  # the given draft is not changed
    with pytest.raises(drafts.NotInDraft):
        drafts.remove(draft, 3)
    with pytest.raises(drafts.NotInDraft):
        drafts.move(draft, -1, 1)


@pytest.mark.postgres
def test_two_tabs_submitting_one_draft_enter_it_once(
    pg_database: PgDatabase, tmp_path: Path
) -> None:
    """Two tabs submit the same reviewed draft at once: the entry lock lets one save it,
    the other is told the entry changed (409) — one entry, one receipt."""
    app = pooled_pg_app(pg_database, tmp_path / "instance", 8)
    try:
        rid = open_round(app, TENANT)
        a1, b1, _a2 = two_rooms(app, rid)
        client, resident, gid = signed_in(app)
        act(client, rid, gid, f"add:{a1}")
        act(client, rid, gid, f"add:{b1}")
        review = text(client.get(entry_url(rid, "enter/review") + f"?group={gid}"))
        form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', review))
        assert form["choice1"] == a1 and form["choice2"] == b1 and form["version"] == "new"
        barrier = threading.Barrier(2)
        second = app.test_client()  # another tab of the same resident
        sign_in_as(second, app, resident)

        def tab(browser: FlaskClient) -> Callable[[], object]:
            def submit() -> object:
                barrier.wait(timeout=30)
                return browser.post(entry_url(rid), data=form)

            return submit

        results = run_racers(tab(client), tab(second), timeout=60)
        assert sorted(r.status_code for r in results) == [302, 409]  # type: ignore[attr-defined]
        assert saved_choices(app, rid, gid) == [[a1], [b1]]
        receipts = [m for m in mails_to(app, TENANT, CONTACT) if ":receipt:" in m.key]
        assert len(receipts) == 1
    finally:
        _dispose(app)


def test_an_entry_changed_since_the_draft_began_is_not_overwritten_unseen(
    any_app: Flask,
) -> None:
    rid = open_round(any_app, TENANT)
    a1, b1, a2 = two_rooms(any_app, rid)
    client, _resident, gid = signed_in(any_app)
    act(client, rid, gid, f"add:{a1}")
    review = text(client.get(entry_url(rid, "enter/review") + f"?group={gid}"))
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', review))
    assert form["version"] == "new"  # the draft began before there was an entry
    enter(any_app, TENANT, rid, gid, [[b1], [a2]])  # meanwhile, from another device

    refused = client.post(entry_url(rid), data=form)
    assert refused.status_code == 409
    page = text(refused)
    assert "別の画面または別の操作で変更" in page
    assert len(names_in(page)) == 3  # the draft (1) and the entry as it is now (2)
    assert saved_choices(any_app, rid, gid) == [[b1], [a2]]

    # Having seen it, the resident reviews again and submits the draft over it.
    again = text(client.get(entry_url(rid, "enter/review") + f"?group={gid}"))
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', again))
    assert form["version"] != "new" and form["choice1"] == a1
    assert client.post(entry_url(rid), data=form).status_code == 302
    assert saved_choices(any_app, rid, gid) == [[a1]]
