"""The lottery in public: calendar, rules in words, states, results summary and each
choice's result in plain words, before sign-in; another tenant's round id is a 404."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.lottery.models import LotteryOutcome
from shisetsu.notify.models import OutboxMessage
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import sign_in_as
from tests.support.groups import text
from tests.support.lottery import CLOSE, DRAW, enter, group, lottery_slot_ids, open_round, step

pytestmark = pytest.mark.dates

TENANT = "genkikan"
TAG = re.compile(r"<[^>]+>")


def words(page: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", page)).split())


def test_calendar_and_rules_without_an_account(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    client = any_app.test_client()
    response = client.get(f"/{TENANT}/lottery/")
    assert response.status_code == 200
    page = text(response)
    shown = words(page)
    assert f'href="/{TENANT}/lottery/rounds/{rid}"' in page
    assert "受付中" in shown or "申込受付中" in shown
    assert "登録団体は1団体につき希望順に最大5件まで申し込めます。" in shown
    assert "1回の抽選で1団体が当選できるのは最大2件です。" in shown
    assert "まず全団体の第1希望を抽選し、次に第2希望、と希望順に抽選します。" in shown
    assert "ログインすると抽選に申し込み、結果を確認できます" in shown
    for code in ("rank_order", "win_cap_per_group", "{"):
        assert code not in shown
    round_page = words(text(client.get(f"/{TENANT}/lottery/rounds/{rid}")))
    assert "0件が当選" not in round_page and "件が当選しました" not in round_page
    assert "結果は抽選日時" in round_page
    assert "rank_order" not in round_page and "win_cap_per_group" not in round_page


def test_round_ids_of_another_tenant_are_404(any_app: Flask) -> None:
    rid = open_round(any_app, "regasu")
    with tenant_session(any_app, TENANT) as session:
        mine = session.scalar(sa.text("SELECT max(id) FROM lottery_rounds")) or 0
    client = any_app.test_client()
    assert client.get(f"/regasu/lottery/rounds/{rid}").status_code == 200
    assert rid > mine  # this id names no round of Genkikan
    assert client.get(f"/{TENANT}/lottery/rounds/{rid}").status_code == 404
    assert client.get(f"/{TENANT}/lottery/rounds/{rid}/bundle.json").status_code == 404
    assert client.get(f"/{TENANT}/lottery/rounds/{rid + 100000}").status_code == 404


def test_results_in_plain_words_with_deadline_and_fee(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    shared, alone = lottery_slot_ids(any_app, TENANT, rid, 2)
    resident, gid = group(any_app, TENANT)
    _other, other_gid = group(any_app, TENANT)
    enter(any_app, TENANT, rid, gid, [[shared], [alone]])
    enter(any_app, TENANT, rid, other_gid, [[shared]])
    step(any_app, TENANT, CLOSE)
    step(any_app, TENANT, DRAW)
    client = any_app.test_client()
    sign_in_as(client, any_app, resident)
    shown = words(text(client.get(f"/{TENANT}/lottery/")))
    with tenant_session(any_app, TENANT) as session:
        first = session.scalar(
            sa.select(LotteryOutcome).where(
                LotteryOutcome.group_id == gid, LotteryOutcome.rank == 1
            )
        )
        assert first is not None
        position, won = first.position, first.status == "won"
    verdict = "当選しました。" if won else "落選しました。"
    assert f"第1希望：2団体が申し込み、抽選順は{position}番目でした。 {verdict}" in shown
    assert "第2希望：申込みはあなたの団体だけでした。 当選しました。" in shown
    assert "に確定してください。期限までに確定しないと取り消されます。" in shown
    assert re.search(r"利用料金：[\d,]+円。", shown)
    # The result mail names the slots in words, as the page does.
    with tenant_session(any_app, TENANT) as session:
        mail = session.scalar(
            sa.select(OutboxMessage.body_text).where(
                OutboxMessage.idempotency_key == f"lottery:{rid}:result:{gid}"
            )
        )
    assert mail is not None
    assert "第2希望：申込みはあなたの団体だけでした。 当選しました。" in mail
    assert alone not in mail and shared not in mail
    second = next(line for line in mail.split("\n\n") if line.startswith("第2希望"))
    # Each choice's slots on lines of their own: facility, room, date with weekday, band.
    assert re.fullmatch(
        r"第2希望：申込みはあなたの団体だけでした。 当選しました。\n"
        r"  \S+ \S+ \d{4}年\d{1,2}月\d{1,2}日\(.\) (午前|午後|夜間) \d+:\d\d–\d+:\d\d",
        second,
    ), second
    # Anyone sees the summary of the drawn round on the calendar and its page.
    public = words(text(any_app.test_client().get(f"/{TENANT}/lottery/rounds/{rid}")))
    assert "2団体が計3件の希望を申し込み、2件が当選しました。" in public
