"""Four whole journeys in Chromium on PostgreSQL, Redis and a real rq worker.

(a) a resident picks 元気館, signs up (the verification mail goes through the outbox, the
worker's relay and a real SMTP server), applies for group registration; staff approve with
their TOTP code; the group enters the lottery (choices picked with the keyboard only); the
draw runs as an rq job in the worker; the group confirms and finds the booking with its fee
and permit PDF. (b) staff book a walk-in at the counter from the availability grid (keyboard
only), take the payment and print the permit. (c) a resident cancels a paid booking after
seeing the refund. (d) the ward auditor checks the lottery verification and finds the staff's
views of the group's personal data in the access log.

Each journey runs on a desktop and on a 390×844 phone; every page is checked with axe-core
(no serious or critical violation, ``lang="ja"``) and saved as
tests/artifacts/journey-<a..d>-<viewport>-NN-<step>.png. The stack (database, worker, SMTP
sink) is shared by the module (tests/fixtures/journey.py); every run makes its own people.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from shisetsu.booking.models import Booking
from shisetsu.booking.payments import record_payment
from shisetsu.groups.models import Group
from shisetsu.lottery import entries
from shisetsu.lottery.models import DRAWN, LotteryOutcome, LotteryRound
from shisetsu.slots.grid import shift_month
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import login_as
from tests.fixtures.axe import assert_accessible, preload_axe
from tests.fixtures.browser import DESKTOP, PHONE, LiveServer, shot
from tests.fixtures.journey import JourneyStack, mail_text
from tests.support import application_form
from tests.support.booking import book, member, open_day, pdf_text_chars, slot
from tests.support.lottery import group, lottery_slot_ids, open_round
from tests.support.lottery_keys import add_slot
from tests.support.lottery_keys import tab_to as keys_tab_to
from tests.support.slots import room_id, today
from tests.support.staff import PASSWORD as STAFF_PASSWORD
from tests.support.staff import Person, fresh_code, make_auditor, make_staff

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

TENANT = "genkikan"
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
RESIDENT_PASSWORD = "synthetic pass 2024"


@dataclass
class Story:
    """What journey (a) left for the auditor of journey (d), per viewport."""

    round_id: int
    group_id: int
    staff_login: str


STORIES: dict[str, Story] = {}


@pytest.fixture
def app(journey_stack: JourneyStack) -> Flask:
    """The module's app, so ``live_server`` serves it (a fresh port per test)."""
    return journey_stack.app


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@dataclass
class Walk:
    """One person's browser in a journey: checks and photographs every page it shows."""

    page: Page
    journey: str
    viewport: str
    server: LiveServer
    who: str = ""
    steps: list[str] = field(default_factory=list)  # shared by the journey's walks

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url_for(path))

    def step(self, name: str) -> None:
        """axe-core (no serious or critical violation), the page language, a screenshot."""
        assert self.page.evaluate("document.documentElement.lang") == "ja", self.page.url
        assert_accessible(self.page)
        if self.viewport == "phone":
            width = self.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{self.page.url} scrolls sideways on a phone ({width}px)"
        name = f"{self.who}-{name}" if self.who else name
        self.steps.append(name)
        shot(self.page, f"journey-{self.journey}-{self.viewport}-{len(self.steps):02d}-{name}")

    def flash(self) -> Locator:
        return self.page.get_by_role("status")

    def h1(self) -> Locator:
        return self.page.get_by_role("heading", level=1)


@pytest.fixture
def walk_factory(
    browser: Browser, live_server: LiveServer, viewport: str, axe: object
) -> Iterator[Any]:
    """Open a browser context (ja-JP, the run's viewport, axe preloaded) per person; the
    screenshots of one journey are numbered in the order they were taken."""
    contexts = []
    steps: list[str] = []

    def open_walk(journey: str, who: str = "") -> Walk:
        context = browser.new_context(locale="ja-JP", **VIEWPORTS[viewport])
        preload_axe(context)
        contexts.append(context)
        return Walk(context.new_page(), journey, viewport, live_server, who, steps)

    yield open_walk
    for context in contexts:
        context.close()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def press_until(page: Page, key: str, check: str, limit: int = 80) -> None:
    """Press ``key`` until the JavaScript expression ``check`` holds for the focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(check):
            return
    raise AssertionError(f"{check} never held after {limit} × {key}")


def tab_to_id(page: Page, element_id: str) -> None:
    """Tab to the element with ``element_id``; it must show its focus."""
    press_until(page, "Tab", f"document.activeElement.id === {element_id!r}")
    assert_focus_visible(page)


def tab_to_text(page: Page, text: str) -> None:
    """Tab to the link or button reading ``text``; it must show its focus."""
    press_until(page, "Tab", f"document.activeElement.textContent.trim() === {text!r}")
    assert_focus_visible(page)


def assert_focus_visible(page: Page) -> None:
    """The focused element shows a focus indicator (an outline or a box shadow)."""
    style = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"""
    )
    outline, width, shadow = style
    assert (outline != "none" and width != "0px") or shadow != "none", style


def grid_has_words(page: Page) -> None:
    """No meaning by symbol or colour alone: every cell has its words, weekends their tag."""
    grid = page.locator("table.availability")
    assert grid.locator("tbody td:not(:has(.visually-hidden))").count() == 0
    for kind in ("saturday", "sunday"):
        tags = grid.locator(f"tr.day-{kind} th .day-tag").all_inner_texts()
        assert tags and all(tag.strip() for tag in tags), kind


def staff_signs_in(walk: Walk, person: Person, app: Flask, base: str) -> None:
    """The two-step sign-in of staff (``/<tenant>/manage``) or the ward (``/ward``)."""
    walk.goto(f"{base}/login")
    walk.page.get_by_label("ログインID").fill(person.login)
    walk.page.get_by_label("パスワード").fill(STAFF_PASSWORD)
    walk.step("sign-in")
    walk.page.get_by_role("button", name="次へ").click()
    expect(walk.h1()).to_have_text("認証コードの入力")
    walk.page.get_by_label("認証コード").fill(fresh_code(app, person))
    walk.step("code")
    walk.page.get_by_role("button", name="ログイン", exact=True).click()
    walk.page.wait_for_url(f"**{base}/")


def resident_signs_in(walk: Walk, login: str, password: str) -> None:
    walk.goto(f"/{TENANT}/account/login")
    walk.page.get_by_label("ログインIDまたはメールアドレス").fill(login)
    walk.page.get_by_label("パスワード").fill(password)
    walk.step("sign-in")
    walk.page.get_by_role("button", name="ログイン", exact=True).click()
    expect(walk.h1()).to_have_text("マイページ")


# --- (a) sign up → group → lottery → booking ------------------------------------------------


def sign_up(walk: Walk, stack: JourneyStack, email: str) -> None:
    page = walk.page
    walk.goto("/")
    expect(walk.h1()).to_have_text("施設の運営者を選ぶ")
    walk.step("portal")
    page.get_by_role("link", name="新宿区立元気館", exact=True).click()
    expect(walk.h1()).to_have_text("新宿区立元気館")
    walk.step("genkikan")
    account = page.get_by_role("navigation", name="アカウント", exact=True)
    account.get_by_role("link", name="アカウント登録", exact=True).click()
    expect(walk.h1()).to_have_text("アカウント登録")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label(re.compile(r"^パスワード\s*（必須）$")).fill(RESIDENT_PASSWORD)
    page.get_by_label("パスワード（確認用）").fill(RESIDENT_PASSWORD)
    walk.step("signup")
    page.get_by_role("button", name="登録する").click()
    page.wait_for_url(f"**/{TENANT}/account/login")
    expect(walk.flash()).to_contain_text(f"{email} に確認用のリンクをお送りしました")
    walk.step("mail-sent")

    # The mail went web → outbox → rq → the worker's relay → SMTP.
    message = stack.mail_to(email, "/verify/")
    link = re.search(r"https?://\S+/verify/\S+", mail_text(message))
    assert link, mail_text(message)
    page.goto(link.group(0))
    expect(walk.h1()).to_have_text("メールアドレスの確認")
    walk.step("verify")
    page.get_by_role("button", name="確認する").click()
    page.wait_for_url(f"**/{TENANT}/account/login")
    expect(walk.flash()).to_contain_text("メールアドレスを確認しました")
    walk.step("verified")
    page.get_by_label("ログインIDまたはメールアドレス").fill(email)
    page.get_by_label("パスワード").fill(RESIDENT_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(walk.h1()).to_have_text("マイページ")
    walk.step("my-page")


def fill_application(page: Page, name: str, members: int) -> None:
    """The registration walk's application, under this run's group name."""
    application_form.fill_application(page, members=members, residents=4)
    page.get_by_label("団体名").fill(name)


def apply_for_group(walk: Walk, name: str) -> None:
    page = walk.page
    page.get_by_role("link", name="団体登録", exact=True).click()
    expect(walk.h1()).to_have_text("団体登録")
    walk.step("my-groups")
    page.get_by_role("link", name="団体登録の申請", exact=True).click()
    expect(walk.h1()).to_have_text("団体登録の申請")
    fill_application(page, name, members=4)
    walk.step("apply")
    page.get_by_role("button", name="申請を送信する").click()

    # Refused: announced in an alert whose entry links to the field it is about.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("会員数が5名以上必要です")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#member_count")
    members = page.get_by_label("会員数", exact=True)
    expect(members).to_have_attribute("aria-invalid", "true")
    expect(members).to_have_attribute("aria-describedby", re.compile("member_count-error"))
    walk.step("apply-refused")

    members.fill("6")
    page.get_by_role("checkbox", name="上記の「個人情報の取扱い」を読み、同意します。").check()
    page.get_by_role("button", name="申請を送信する").click()
    expect(walk.h1()).to_have_text(name)
    expect(walk.flash()).to_contain_text("申請を受け付けました")
    walk.step("applied")

    # Withdrawing cannot be undone: it asks first; going back changes nothing.
    page.get_by_role("link", name="この団体の登録を取り下げる").click()
    expect(walk.h1()).to_have_text("この団体の登録を取り下げる")
    expect(page.get_by_role("note")).to_contain_text("元に戻せません")
    walk.step("withdraw-confirm")
    page.get_by_role("main").get_by_role("link", name=name, exact=True).click()
    expect(walk.h1()).to_have_text(name)
    expect(page.locator("dl.facts").first).to_contain_text("審査待ち")


def staff_approve(walk: Walk, stack: JourneyStack, staff: Person, name: str) -> None:
    page = walk.page
    staff_signs_in(walk, staff, stack.app, f"/{TENANT}/manage")
    expect(walk.h1()).to_have_text("管理画面")
    walk.step("console")
    page.get_by_role("link", name="審査待ちの団体登録申請").click()
    expect(walk.h1()).to_have_text("審査待ちの申請")
    walk.step("pending")
    page.get_by_role("link", name=name, exact=True).click()
    expect(walk.h1()).to_have_text(name)
    page.get_by_label("会員名簿で確認した会員数").fill("6")
    page.get_by_label("うち区内在住者数").fill("4")
    walk.step("review")
    page.get_by_role("button", name="確認結果を記録する").click()
    expect(walk.flash()).to_contain_text("書類確認の結果を記録しました。")
    page.get_by_role("button", name="本登録を承認する").click()
    expect(walk.flash()).to_contain_text("団体を本登録し、申請者にメールで通知しました。")
    expect(page.locator("dl.facts").first).to_contain_text("登録済み")
    walk.step("approved")


def enter_lottery_with_keys(walk: Walk, round_id: int, wanted: list[str]) -> None:
    """Pick the ranked choices from the month grid, review and submit with Tab, arrow keys
    and Enter only; the receipt names them."""
    page = walk.page
    section = page.locator(f"section[aria-labelledby='round-{round_id}']")
    section.get_by_role("link", name="申込み・希望の変更", exact=True).click()
    expect(walk.h1()).to_contain_text("抽選")
    walk.step("lottery-enter")
    for slot_id in wanted:
        add_slot(page, slot_id)
    expect(page.locator("#draft-count")).to_contain_text(f"{len(wanted)}件を選択中")
    walk.step("lottery-choices")
    # Up from the grid (Shift+Tab) to the link above it.
    keys_tab_to(
        page, "document.activeElement.textContent.trim() === '内容を確認して申し込む'", back=True
    )
    page.keyboard.press("Enter")
    expect(walk.h1()).to_contain_text("申込内容の確認")
    walk.step("lottery-review")
    tab_to_text(page, "この内容で申し込む")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{TENANT}/lottery/rounds/{round_id}/entry?*")
    expect(walk.flash()).to_contain_text("抽選の申込みを保存しました。")
    expect(page.locator("ol.choice-list > li")).to_have_count(len(wanted))
    walk.step("lottery-entered")
    page.get_by_role("link", name="抽選のページに戻る").click()
    page.wait_for_url(f"**/{TENANT}/lottery/")

    # Withdrawing the entry asks first (listing the choices); going back keeps it.
    section.get_by_role("link", name="申込みを取り下げる").click()
    expect(walk.h1()).to_have_text("申込みを取り下げる")
    choices = page.get_by_role("heading", name="申込内容").locator("xpath=following-sibling::ol[1]")
    expect(choices.get_by_role("listitem")).to_have_count(len(wanted))
    walk.step("withdraw-entry-confirm")
    page.get_by_role("navigation", name="現在位置").get_by_role("link", name="抽選").click()
    page.wait_for_url(f"**/{TENANT}/lottery/")
    expect(section.get_by_role("listitem")).to_have_count(len(wanted))


def draw_in_the_worker(stack: JourneyStack, round_id: int) -> None:
    """Time moves forward to the round's draw time; the periodic lottery job, queued
    through the jobs API, closes and draws it in the worker process."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with tenant_session(stack.app, TENANT) as session:
        session.execute(
            sa.update(LotteryRound)
            .where(LotteryRound.id == round_id)
            .values(closes_at=past, draw_at=past)
        )
        session.commit()
    stack.run_job("shisetsu.lottery.jobs.tick", tenant=TENANT)
    with tenant_session(stack.app, TENANT) as session:
        rnd = session.get(LotteryRound, round_id)
        assert rnd is not None and rnd.state == DRAWN


def decline_second_win(walk: Walk) -> None:
    """The 2nd choice was won too; declining it (destructive) is confirmed first."""
    page = walk.page
    second = page.get_by_role("listitem").filter(has_text="第2希望：")
    expect(second).to_contain_text("当選しました。")
    second.get_by_role("link", name="当選を辞退する").click()
    page.wait_for_url("**/decline")
    walk.step("decline")
    page.get_by_role("button", name="当選を辞退する").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("確認のチェックを入れてください。")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#confirm")
    expect(page.locator("#confirm")).to_have_attribute("aria-invalid", "true")
    walk.step("decline-unconfirmed")
    page.locator("#confirm").check()
    page.get_by_role("button", name="当選を辞退する").click()
    page.wait_for_url(f"**/{TENANT}/lottery/")
    expect(walk.flash()).to_contain_text("当選を辞退しました。")
    expect(page.get_by_role("listitem").filter(has_text="第2希望：")).to_contain_text("辞退")
    walk.step("declined")


def booking_count(app: Flask) -> int:
    with tenant_session(app, TENANT) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Booking)) or 0)


def booking_of(app: Flask, group_id: int) -> Booking:
    with tenant_session(app, TENANT) as session:
        (booking,) = session.scalars(sa.select(Booking).where(Booking.group_id == group_id))
        session.expunge(booking)
        return booking


def group_id_named(app: Flask, name: str) -> int:
    with tenant_session(app, TENANT) as session:
        return int(session.scalars(sa.select(Group.id).where(Group.name == name)).one())


def yen(amount: int) -> str:
    return f"{amount:,}円"


def check_permit(walk: Walk, href: str, booking: Booking) -> None:
    """The permit link answers a Japanese PDF naming the era (令和) and the fee."""
    response = walk.page.context.request.get(walk.server.url_for(href))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    check_permit_pdf(response.body(), booking)


def check_permit_pdf(body: bytes, booking: Booking) -> None:
    assert body.startswith(b"%PDF")
    chars = pdf_text_chars(body)
    assert set("使用承認書令和") <= chars
    assert set(f"{booking.fee_total:,}円") <= chars


def print_permit(walk: Walk, booking: Booking) -> None:
    """Staff print the permit with its button (a recorded print): the PDF the browser is
    sent is the permit, marked with who printed it."""
    printed: list[bytes] = []

    def keep(route: Any) -> None:
        answer = route.fetch()
        assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
        printed.append(answer.body())
        route.fulfill(response=answer)

    walk.page.route("**/manage/print/permits/*", keep)
    with walk.page.expect_response(lambda r: "/manage/print/permits/" in r.url):
        walk.page.get_by_role("button", name="使用承認書を印刷（PDF）").click()
    (body,) = printed
    check_permit_pdf(body, booking)
    assert set("印刷者管理簿番号") <= pdf_text_chars(body)
    walk.page.go_back()


def test_a_sign_up_register_lottery_booking(
    journey_stack: JourneyStack, walk_factory: Any, viewport: str
) -> None:
    stack, app = journey_stack, journey_stack.app
    round_id = open_round(app, TENANT)
    wanted = lottery_slot_ids(app, TENANT, round_id, 3)
    staff = make_staff(app, TENANT, "responsible")
    email = f"{unique('journey-a-')}@example.jp"
    name = f"旅程体操の会{uuid.uuid4().hex[:4]}"

    resident = walk_factory("a")
    sign_up(resident, stack, email)
    apply_for_group(resident, name)
    staff_approve(walk_factory("a", "staff"), stack, staff, name)

    resident.goto(f"/{TENANT}/lottery/")
    expect(resident.h1()).to_have_text("毎月の抽選")
    resident.step("lottery")
    enter_lottery_with_keys(resident, round_id, wanted)

    draw_in_the_worker(stack, round_id)
    before = booking_count(app)
    page = resident.page
    page.reload()
    result = page.get_by_role("listitem").filter(has_text="第1希望：")
    expect(result).to_contain_text("申込みはあなたの団体だけでした。")
    expect(result).to_contain_text("当選しました。")
    resident.step("lottery-results")

    # 元気館 needs the purpose: refused, announced and linked to the field; nothing booked.
    result.get_by_label("利用人数").fill("6")
    result.get_by_role("button", name="当選を確定する").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_attribute("href", re.compile(r"^#pur-\d+$"))
    purpose = page.get_by_role("listitem").filter(has_text="第1希望：").get_by_label("利用目的")
    expect(purpose).to_have_attribute("aria-invalid", "true")
    expect(
        page.get_by_role("listitem").filter(has_text="第1希望：").get_by_label("利用人数")
    ).to_have_value("6")
    resident.step("lottery-confirm-refused")
    assert booking_count(app) == before

    purpose.fill("体操の練習")
    purpose.press("Enter")
    page.wait_for_url(f"**/{TENANT}/lottery/")
    expect(resident.flash()).to_contain_text("当選を確定し、予約しました。")
    resident.step("lottery-confirmed")
    decline_second_win(resident)

    group_id = group_id_named(app, name)
    booking = booking_of(app, group_id)
    assert booking.status == "confirmed" and booking.fee_total > 0
    page.get_by_role("link", name="マイページ").click()
    expect(resident.h1()).to_have_text("マイページ")
    resident.goto(f"/{TENANT}/bookings/")
    expect(resident.h1()).to_have_text("予約一覧")
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_have_count(1)
    resident.step("my-bookings")
    row.get_by_role("link").first.click()
    expect(resident.h1()).to_contain_text(booking.number)
    expect(page.locator("main")).to_contain_text(yen(booking.fee_total))
    resident.step("booking")
    permit = page.get_by_role("link", name="使用承認書を印刷（PDF）")
    check_permit(resident, str(permit.get_attribute("href")), booking)

    # The approval and the confirmed booking were mailed too (through the worker), to the
    # contact person's address, not the account's.
    stack.mail_to(application_form.CONTACT_EMAIL, booking.number)
    STORIES[viewport] = Story(round_id, group_id, staff.login)


# --- (b) a walk-in booked at the counter ---------------------------------------------------


def test_b_walk_in_booked_at_the_counter(
    journey_stack: JourneyStack, walk_factory: Any, viewport: str
) -> None:
    app = journey_stack.app
    visitor = member(app, TENANT)
    with tenant_session(app, TENANT) as session:
        group_name = session.scalars(
            sa.select(Group.name).where(Group.id == visitor.group_id)
        ).one()
    staff = make_staff(app, TENANT, "counter")
    room = room_id(app, TENANT, "genkikan", "kitchen")
    month = shift_month(today(), 1)

    walk = walk_factory("b", "staff")
    page = walk.page
    staff_signs_in(walk, staff, app, f"/{TENANT}/manage")
    expect(walk.h1()).to_have_text("管理画面")
    walk.step("console")

    # The month grid, with the keyboard only: Tab to the first free (○) cell, then Enter.
    walk.goto(f"/{TENANT}/rooms/{room}/availability?month={month:%Y-%m}")
    expect(page.locator("table.availability caption")).to_be_visible()
    walk.step("grid")
    grid_has_words(page)
    press_until(page, "Tab", "document.activeElement.classList.contains('cell-link')")
    assert_focus_visible(page)
    spoken = page.evaluate("document.activeElement.textContent")
    assert "○" in spoken and spoken.endswith("空き"), spoken  # ○ has its words too
    chosen = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{TENANT}/slots/**")
    expect(walk.h1()).to_contain_text("調理室")
    walk.step("slot")

    # On through the booking with the keyboard only.
    tab_to_text(page, "この区分の予約を窓口で受け付ける")
    page.keyboard.press("Enter")
    expect(walk.h1()).to_have_text("窓口予約")
    walk.step("counter")
    tab_to_id(page, "group-query")
    page.keyboard.type(group_name)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="該当する団体：1件")).to_be_visible()
    walk.step("counter-search")
    tab_to_text(page, f"{group_name}の予約を受け付ける")
    page.keyboard.press("Enter")
    expect(walk.h1()).to_have_text(f"{group_name}の予約を受け付ける")
    expect(page.get_by_role("table")).to_contain_text("円")  # the fee, before booking
    tab_to_id(page, "attendees")
    page.keyboard.type("8")
    tab_to_id(page, "purpose")
    page.keyboard.type("料理教室の打合せ")
    walk.step("counter-book")
    tab_to_text(page, "予約する")
    page.keyboard.press("Enter")

    expect(walk.flash()).to_contain_text("予約しました。受付番号は")
    booking = booking_of(app, visitor.group_id)
    assert booking.staff_id == staff.id and booking.fee_total > 0
    expect(walk.h1()).to_contain_text(booking.number)
    expect(page.locator("main")).to_contain_text(yen(booking.fee_total))
    walk.step("booked")

    page.get_by_role("button", name=f"{yen(booking.fee_total)}の支払いを記録する").click()
    expect(walk.flash()).to_contain_text("支払いを記録しました。領収番号は")
    walk.step("paid")
    print_permit(walk, booking)

    # Back on the grid the slot reads × with its words, and is no longer a link.
    walk.goto(f"/{TENANT}/rooms/{room}/availability?month={month:%Y-%m}")
    expect(page.locator(f'a[href="{chosen}"]')).to_have_count(0)
    taken = page.locator("table.availability td.state-taken").first
    expect(taken).to_contain_text("×")
    expect(taken.locator(".visually-hidden")).to_contain_text("予約済み")
    walk.step("grid-taken")


# --- (c) a cancellation with the refund shown ------------------------------------------------


def paid_booking(app: Flask, code: str) -> tuple[Any, int]:
    """A resident's group with a booking of slot ``code`` 20-odd days ahead, paid at the
    counter."""
    m = member(app, TENANT)
    day = open_day(app, TENANT, "genkikan", after=20)
    booking_id = book(
        app, TENANT, m.group_id, [slot(app, TENANT, "genkikan", "meeting-a", day, code)]
    )
    cashier = make_staff(app, TENANT, "counter")
    with tenant_session(app, TENANT) as session:
        booking = session.get(Booking, booking_id)
        assert booking is not None
        now = dt.datetime.now(dt.UTC)
        record_payment(session, current_runtime(), booking, staff_id=cashier.id, now=now)
        session.commit()
    return m, booking_id


def test_c_cancellation_shows_the_refund(
    journey_stack: JourneyStack, walk_factory: Any, viewport: str
) -> None:
    app = journey_stack.app
    m, booking_id = paid_booking(app, {"desktop": "am", "phone": "pm"}[viewport])
    assert m.resident.email is not None

    walk = walk_factory("c")
    page = walk.page
    resident_signs_in(walk, m.resident.login, "test password 123")
    walk.step("my-page")
    walk.goto(f"/{TENANT}/bookings/")
    expect(walk.h1()).to_have_text("予約一覧")
    walk.step("my-bookings")
    page.locator("table.bookings tbody tr th a").first.click()
    expect(walk.h1()).to_contain_text("予約")
    walk.step("booking")
    page.get_by_role("link", name="この予約を取り消す").click()
    expect(walk.h1()).to_contain_text("予約の取消")
    refund = page.get_by_role("region", name="今取り消した場合の還付")
    expect(refund).to_contain_text("お支払い済みの使用料は")
    shown = re.search(r"窓口で([\d,]+)円を還付します", refund.inner_text())
    assert shown, refund.inner_text()
    walk.step("cancel")

    # Not confirmed yet: the error is announced and linked to the checkbox; nothing changes.
    page.get_by_role("button", name="予約を取り消す", exact=True).click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("確認のチェックを入れてください。")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#confirm")
    walk.step("cancel-unconfirmed")
    with tenant_session(app, TENANT) as session:
        assert session.get(Booking, booking_id).status == "paid"  # type: ignore[union-attr]

    # Confirmed and submitted with the keyboard only.
    tab_to_id(page, "confirm")
    page.keyboard.press("Space")
    expect(
        page.get_by_label("上記の還付額を確認したうえで、この予約を取り消します。")
    ).to_be_checked()
    tab_to_text(page, "予約を取り消す")
    page.keyboard.press("Enter")
    expect(walk.flash()).to_contain_text("予約を取り消しました。")
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("取消済み")
    expect(facts).to_contain_text(f"{shown.group(1)}円")
    walk.step("cancelled")
    with tenant_session(app, TENANT) as session:
        row = session.get(Booking, booking_id)
        assert row is not None and row.refund_amount == int(shown.group(1).replace(",", ""))
    # The cancellation mail, through the worker's relay, names the refund too.
    mail = journey_stack.mail_to(m.contact_email, "予約取消のお知らせ")
    assert f"{shown.group(1)}円" in mail_text(mail)


# --- (d) the ward auditor reviews the above ---------------------------------------------------


def drawn_entry(stack: JourneyStack, name: str) -> tuple[Any, int, int]:
    """A group (and its resident) that entered a round of its own alone, drawn by the
    worker: (resident, round id, group id)."""
    app = stack.app
    round_id = open_round(app, TENANT)
    (wanted,) = lottery_slot_ids(app, TENANT, round_id, 1)
    resident, group_id = group(app, TENANT, name=f"{name}{uuid.uuid4().hex[:4]}")
    with tenant_session(app, TENANT) as session:
        rnd, grp = session.get(LotteryRound, round_id), session.get(Group, group_id)
        assert rnd is not None and grp is not None
        now = dt.datetime.now(dt.UTC)
        entries.enter(session, current_runtime(), rnd, grp, [[wanted]], now=now)
        session.commit()
    draw_in_the_worker(stack, round_id)
    return resident, round_id, group_id


def story_for(stack: JourneyStack, viewport: str) -> Story:
    """Journey (a)'s round, group and staff for this viewport; made here (drawn by the
    worker, the group's page viewed by staff) when journey (a) did not run."""
    if viewport in STORIES:
        return STORIES[viewport]
    app = stack.app
    _, round_id, group_id = drawn_entry(stack, "監査旅程の会")
    staff = make_staff(app, TENANT, "responsible")
    client = app.test_client()
    login_as(client, app, "staff", TENANT, staff_record(app, staff))
    assert client.get(f"/{TENANT}/manage/groups/{group_id}").status_code == 200
    STORIES[viewport] = Story(round_id, group_id, staff.login)
    return STORIES[viewport]


def staff_record(app: Flask, person: Person) -> Any:
    from shisetsu.people.models import Staff

    with tenant_session(app, TENANT) as session:
        row = session.get(Staff, person.id)
        assert row is not None
        session.expunge(row)
        return row


def test_d_auditor_reviews_lottery_and_access_log(
    journey_stack: JourneyStack, walk_factory: Any, viewport: str
) -> None:
    app = journey_stack.app
    story = story_for(journey_stack, viewport)
    with tenant_session(app, TENANT) as session:
        rnd = session.get(LotteryRound, story.round_id)
        assert rnd is not None
        month = f"{rnd.usage_month.year}年{rnd.usage_month.month}月"
    auditor = make_auditor(app)

    walk = walk_factory("d", "auditor")
    page = walk.page
    staff_signs_in(walk, auditor, app, "/ward")
    expect(walk.h1()).to_have_text("区の監査画面")
    walk.step("console")

    card = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="新宿区立元気館")
    )
    card.get_by_role("link", name="抽選の公正性", exact=True).click()
    expect(walk.h1()).to_have_text("抽選の公正性")
    row = (
        page.get_by_role("region", name="新宿区立元気館")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=month, exact=True))
    )
    expect(row).to_have_count(1)
    # Cells after the month: state, groups, wins, win rate, verification, early actions.
    expect(row.get_by_role("cell").nth(4)).to_have_text("検証済み")
    expect(row.get_by_role("cell").last).to_have_text("—")  # drawn on the calendar
    expect(row).to_contain_text("登録団体: ")  # the category in words, not its code
    walk.step("lottery")

    walk.goto("/ward/")
    card.get_by_role("link", name="アクセスログ", exact=True).click()
    expect(walk.h1()).to_contain_text("アクセスログ")
    walk.step("access-log")
    page.get_by_label("操作者のログインID").fill(story.staff_login)
    page.get_by_label("操作", exact=True).select_option(label="閲覧")
    page.get_by_label("対象データの種類").select_option("group")
    page.get_by_label("対象データの番号").fill(str(story.group_id))
    walk.step("access-log-search")
    page.get_by_role("button", name="検索する").click()
    rows = page.locator("table.access-log tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 1
    for text in rows.all_inner_texts():
        assert story.staff_login in text and f"団体 {story.group_id}" in text
        assert "閲覧" in text and "取扱責任者" in text  # in words, not codes
    walk.step("access-log-found")


# --- the lottery's confirmation pages across tenants and groups ---------------------------------


def test_confirmation_pages_are_a_404_for_another_tenant_or_group(
    journey_stack: JourneyStack,
) -> None:
    app = journey_stack.app
    owner, round_id, group_id = drawn_entry(journey_stack, "辞退確認の会")
    with tenant_session(app, TENANT) as session:
        outcome_id = session.scalars(
            sa.select(LotteryOutcome.id).where(
                LotteryOutcome.round_id == round_id, LotteryOutcome.group_id == group_id
            )
        ).one()
    path = f"lottery/rounds/{round_id}/wins/{outcome_id}/decline"
    entry = f"lottery/rounds/{round_id}/withdraw?group={group_id}"

    mine = app.test_client()
    login_as(mine, app, "resident", TENANT, owner)
    assert mine.get(f"/{TENANT}/{path}").status_code == 200
    assert mine.get(f"/{TENANT}/{entry}").status_code == 302  # drawn: nothing to withdraw

    other_group, _ = group(app, TENANT)
    theirs = app.test_client()
    login_as(theirs, app, "resident", TENANT, other_group)
    assert theirs.get(f"/{TENANT}/{path}").status_code == 404
    assert theirs.get(f"/{TENANT}/{entry}").status_code == 404

    other_tenant, _ = group(app, "regasu")
    elsewhere = app.test_client()
    login_as(elsewhere, app, "resident", "regasu", other_tenant)
    assert elsewhere.get(f"/regasu/{path}").status_code == 404
    assert elsewhere.get(f"/regasu/{entry}").status_code == 404
    with tenant_session(app, TENANT) as session:
        outcome = session.get(LotteryOutcome, outcome_id)
        assert outcome is not None and outcome.win_state == "pending"  # nothing changed
