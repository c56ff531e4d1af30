"""Filling in the group application form in Chromium, as a person does (by label)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

GROUP = "テスト体操の会"
ADDRESS = "東京都新宿区西新宿9丁目（架空）"
PHONE = "03-0000-1234"
#: The contact person's e-mail: where mail about the group goes.
CONTACT_EMAIL = "renraku@example.jp"


def fill_application(page: Page, members: int, residents: int) -> None:
    page.get_by_label("団体名").fill(GROUP)
    page.get_by_label("団体区分").select_option(label="登録団体")
    page.get_by_label("会員数", exact=True).fill(str(members))
    page.get_by_label("区内在住の会員数").fill(str(residents))

    # 氏名 / 住所 / 電話番号 appear twice: find each inside its block's fieldset.
    representative = page.get_by_role("group", name="代表者", exact=True)
    representative.get_by_label("氏名").fill("試験 花子")
    representative.get_by_label("住所").fill(ADDRESS)
    representative.get_by_label("電話番号（自宅）").fill(PHONE)
    page.get_by_role("group", name="代表者は新宿区在住ですか").get_by_label("はい").check()
    page.get_by_role("group", name="代表者は18歳以上ですか").get_by_label("はい").check()

    contact = page.get_by_role("group", name="連絡担当者", exact=True)
    contact.get_by_label("氏名").fill("試験 太郎")
    contact.get_by_label("住所").fill(ADDRESS)
    contact.get_by_label("電話番号（携帯）").fill("090-0000-1234")
    contact.get_by_label("メールアドレス").fill(CONTACT_EMAIL)

    expect(page.get_by_role("heading", name="個人情報の取扱い")).to_be_visible()
    page.get_by_role("checkbox", name="上記の「個人情報の取扱い」を読み、同意します。").check()
