"""The application page's privacy notice names every personal item a resident's application
stores and every use, the account and the access log included, in Japanese and English.

Each personal column a resident's application leads to (groups, the account, the access
log) maps to the words that announce it; a column marked personal in those tables but
missing here fails, so a new item cannot be stored without being announced.
"""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask

from shisetsu.audit.models import AccessLog
from shisetsu.groups.models import Group
from shisetsu.people.models import Account
from tests.support.groups import signed_in_resident, text

# column -> (Japanese words, English words) that must appear in the notice.
ANNOUNCED = {
    "groups.name": ("団体", "its name"),
    "groups.representative_name": ("代表者：氏名", "Representative: name"),
    "groups.representative_address": ("代表者：氏名、住所", "Representative: name, address"),
    "groups.representative_phone_home": ("電話番号", "phone number (home / mobile)"),
    "groups.representative_phone_mobile": ("電話番号", "phone number (home / mobile)"),
    "groups.contact_name": ("連絡担当者：氏名", "Contact person: name"),
    "groups.contact_address": ("連絡担当者：氏名、住所", "Contact person: name, address"),
    "groups.contact_phone_home": ("電話番号", "phone number (home / mobile)"),
    "groups.contact_phone_mobile": ("電話番号", "phone number (home / mobile)"),
    "groups.contact_email": ("メールアドレス", "email address"),
    "groups.representative_is_resident": ("新宿区在住かどうか", "lives in Shinjuku City"),
    "groups.representative_is_adult": ("18歳以上かどうか", "is 18 or older"),
    "accounts.login": ("ログインID", "login ID"),
    "accounts.email": ("アカウントのメールアドレス", "the account's email address"),
    "access_log.actor_label": ("アカウント番号", "account number"),
    "access_log.ip": ("IPアドレス", "IP address"),
    "access_log.user_agent": ("ブラウザ", "browser"),
    "access_log.ip_prefix": ("ネットワーク部分", "network part of the address"),
}
USES = {
    "ja": (
        "連絡担当者のメールアドレスへお送りします",
        "パスワードの再設定",
        "アクセスログ",
        "IPアドレスとブラウザの情報は90日間保存",
        "永年保存",
    ),
    "en": (
        "these mails go to the contact person's email address",
        "resetting the password",
        "the access log",
        "the IP address and browser for 90 days",
        "kept permanently",
    ),
}


def personal_columns() -> set[str]:
    return {
        f"{model.__tablename__}.{column.name}"
        for model in (Group, Account, AccessLog)
        for column in model.__table__.columns
        if column.info.get("personal")
    }


def notice(page: str) -> str:
    found = re.search(r'<section class="privacy-notice".*?</section>', page, re.S)
    assert found, "the privacy notice is shown with the form"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def test_every_personal_column_is_announced() -> None:
    assert set(ANNOUNCED) == personal_columns()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_notice_lists_every_item_and_use(any_app: Flask, lang: str) -> None:
    client = any_app.test_client()
    client.set_cookie("lang", lang)
    signed_in_resident(client, any_app, "regasu", locale=lang)
    shown = notice(text(client.get("/regasu/groups/apply")))
    words = {column: pair[0 if lang == "ja" else 1] for column, pair in ANNOUNCED.items()}
    assert [column for column, word in words.items() if word not in shown] == []
    assert [use for use in USES[lang] if use not in shown] == []
