"""The lottery walk in Chromium: enter the lottery → (time moves forward) → result → confirm.

A resident of an approved 元気館 group signs in through the real form (CSRF on), opens the
lottery page and enters three ranked choices in the open round. The test then moves time
forward by running the close and the draw directly (what the periodic job does at those
times). The resident reloads the lottery page, reads each choice's explanation (groups
entered, drawn position), confirms the win and finds the booking in My bookings. The
resident is the only entrant of the first choice, so that choice is won for certain.
Screenshots land in tests/artifacts/lottery-NN-*.png.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from shisetsu.booking.models import Booking
from shisetsu.groups.models import Group
from shisetsu.lottery import entries, results, rounds
from shisetsu.lottery.models import LotteryOutcome, LotteryRound
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.apps import _dispose, make_app
from tests.fixtures.auth import PASSWORD
from tests.fixtures.browser import LiveServer, shot
from tests.support.lottery import CLOSE, DRAW, at, group, lottery_slot_ids, open_round

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

TENANT = "genkikan"
GROUP = "抽選テスト体操の会"
RIVAL = "抽選ライバルの会"


@pytest.fixture
def app(sqlite_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """Both tenants on SQLite, with CSRF protection on (the testing config turns it off)."""
    instance = tmp_path / "instance"
    shutil.copytree(sqlite_template, instance)
    app = make_app(instance, WTF_CSRF_ENABLED=True)
    yield app
    _dispose(app)


def snap(page: Page, name: str) -> None:
    """``shot`` then scroll to the top (see test_browser_registration.snap)."""
    shot(page, name)
    page.evaluate("window.scrollTo(0, 0)")


def flash(page: Page) -> Locator:
    return page.get_by_role("status")


def rival_enters(app: Flask, round_id: int, group_id: int, choices: list[str]) -> None:
    """Another group enters ranked ``choices`` (one slot each), before the close."""
    with tenant_session(app, TENANT) as session:
        rnd = session.get(LotteryRound, round_id)
        grp = session.get(Group, group_id)
        assert rnd is not None and grp is not None
        entries.enter(session, current_runtime(), rnd, grp, [[c] for c in choices], now=at(2))
        session.commit()


def time_moves_forward(app: Flask, round_id: int) -> None:
    """Close the round at its closing time, then draw it at its draw time."""
    with tenant_session(app, TENANT) as session:
        rnd = session.get(LotteryRound, round_id)
        assert rnd is not None
        rounds.close_round(session, rnd, now=CLOSE)
        session.commit()
    with tenant_session(app, TENANT) as session:
        rnd = session.get(LotteryRound, round_id)
        assert rnd is not None
        results.draw_round(session, current_runtime(), rnd, now=DRAW)
        session.commit()


def first_choice(app: Flask, round_id: int, group_id: int) -> tuple[int, int, int]:
    """The first choice's (entrants, position, of)."""
    with tenant_session(app, TENANT) as session:
        outcome = session.scalars(
            sa.select(LotteryOutcome).where(
                LotteryOutcome.round_id == round_id,
                LotteryOutcome.group_id == group_id,
                LotteryOutcome.rank == 1,
            )
        ).one()
        assert outcome.status == "won" and outcome.win_state == "pending"
        return outcome.entrants, outcome.position, outcome.of


def bookings_of(app: Flask, group_id: int) -> list[Booking]:
    with tenant_session(app, TENANT) as session:
        rows = list(session.scalars(sa.select(Booking).where(Booking.group_id == group_id)))
        session.expunge_all()
        return rows


def test_enter_draw_explain_confirm_booked(app: Flask, live_server: LiveServer, page: Page) -> None:
    round_id = open_round(app, TENANT)
    s1, s2, s3, s4 = lottery_slot_ids(app, TENANT, round_id, 4)
    resident, group_id = group(app, TENANT, name=GROUP)
    _, rival_id = group(app, TENANT, name=RIVAL)
    assert resident.email is not None

    # Sign in through the real form.
    page.goto(live_server.url_for(f"/{TENANT}/account/login"))
    page.get_by_label("ログインIDまたはメールアドレス").fill(resident.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    snap(page, "lottery-01-login")
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("マイページ")
    snap(page, "lottery-02-my-page")

    # The lottery page: the open round takes entries.
    page.goto(live_server.url_for(f"/{TENANT}/lottery/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("毎月の抽選")
    snap(page, "lottery-03-lottery-open")
    page.get_by_role("link", name="申込み・希望の変更", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("抽選")
    expect(page.get_by_text(GROUP)).to_be_visible()
    for slot in (s1, s2, s3):  # from the room's month grid
        page.locator(f'button[value="add:{slot}"]').click()
        expect(page.locator(f'button[value="add:{slot}"]')).to_have_count(0)
    snap(page, "lottery-04-enter-choices")
    page.get_by_role("link", name="内容を確認して申し込む").click()
    page.get_by_role("button", name="この内容で申し込む").click()

    page.wait_for_url(f"**/{TENANT}/lottery/rounds/{round_id}/entry?*")
    expect(flash(page)).to_contain_text("抽選の申込みを保存しました。")
    expect(page.locator("ol.choice-list > li")).to_have_count(3)
    page.get_by_role("link", name="抽選のページに戻る").click()
    page.wait_for_url(f"**/{TENANT}/lottery/")
    entry = page.get_by_role("heading", name="申込内容").locator("xpath=following-sibling::ol[1]")
    choices = entry.get_by_role("listitem")
    expect(choices).to_have_count(3)
    for n, (rank, slot) in enumerate(zip((1, 2, 3), (s1, s2, s3), strict=True)):
        # each choice is named in words (date, room, slot); the id stays in data-slot
        expect(choices.nth(n)).to_contain_text(f"第{rank}希望: ")
        expect(choices.nth(n)).to_contain_text("多目的室")
        expect(choices.nth(n).locator(f'[data-slot="{slot}"]')).to_have_count(1)
    snap(page, "lottery-05-entry-list")

    # Time moves forward: another group also ranks the resident's 2nd choice 2nd (the
    # draw goes rank by rank), the round closes and is drawn.
    rival_enters(app, round_id, rival_id, [s4, s2])
    time_moves_forward(app, round_id)
    entrants, position, of = first_choice(app, round_id, group_id)
    assert (entrants, position, of) == (1, 1, 1)

    page.reload()
    result = page.get_by_role("listitem").filter(has_text="第1希望：")
    expect(result).to_contain_text("第1希望：申込みはあなたの団体だけでした。 当選しました。")
    expect(result.locator(f'[data-slot="{s1}"]')).to_have_count(1)
    second = page.get_by_role("listitem").filter(has_text="第2希望：")
    expect(second).to_contain_text(re.compile(r"2団体が申し込み、抽選順は[12]番目でした。"))
    expect(page.get_by_role("listitem").filter(has_text="第3希望：")).to_be_visible()
    expect(page.get_by_role("link", name="申込み・希望の変更")).to_have_count(0)
    snap(page, "lottery-06-results")

    # Confirm the first choice's win.
    assert bookings_of(app, group_id) == []
    result.get_by_label("利用人数").fill("5")
    result.get_by_label("利用目的").fill("体操の練習")
    snap(page, "lottery-07-confirm")
    result.get_by_role("button", name="当選を確定する").click()
    page.wait_for_url(f"**/{TENANT}/lottery/")
    expect(flash(page)).to_contain_text("当選を確定し、予約しました。")
    confirmed = page.get_by_role("listitem").filter(has_text="第1希望：")
    expect(confirmed.get_by_role("button", name="当選を確定する")).to_have_count(0)
    snap(page, "lottery-08-confirmed")

    (booking,) = bookings_of(app, group_id)
    assert booking.status == "confirmed" and booking.attendees == 5

    # My bookings lists it.
    page.goto(live_server.url_for(f"/{TENANT}/bookings/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("予約一覧")
    upcoming = page.get_by_role("region", name="今後の予約")
    row = page.get_by_role("row").filter(has_text=GROUP)
    expect(row).to_have_count(1)
    expect(row.get_by_role("link")).to_contain_text(f"{booking.date.month}月{booking.date.day}日")
    expect(upcoming).to_be_visible()
    snap(page, "lottery-09-my-bookings")
