"""The access log in words: what each entry is about and its detail, in the reader's language.

The log keeps the codes it was written with (they are hashed); the ward's pages translate
them. Every record type the code writes must have its words, so a type added later without
them fails here instead of reaching the page as ``daily_list``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from shisetsu.audit import labels
from shisetsu.audit.forms import RECORD_CHOICES
from shisetsu.audit.operations import RECORD_TYPE_OF_KIND
from shisetsu.exports import content
from shisetsu.ward.reads import ROSTER, USAGE
from tests.support.audit import signed_in_auditor, text
from tests.support.groups import signed_in_staff

PACKAGE = Path(__file__).resolve().parents[2] / "platform" / "shisetsu"
# The writing functions and where their record type sits among the positional arguments.
WRITERS = {"record": 2, "record_view": 1, "record_search": 1, "record_for_tenant": 3}


def written_record_types() -> dict[str, str]:
    """Every record type given as a literal to a log-writing call: type → first place."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            given = [k.value for k in node.keywords if k.arg == "record_type"]
            if not given and name in WRITERS and len(node.args) > WRITERS[name]:
                given = [node.args[WRITERS[name]]]
            for value in given:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
                    found.setdefault(value.value, where)
    return found


def test_the_scan_finds_the_writers() -> None:
    found = written_record_types()
    # A few known writers, so a scan that silently finds nothing cannot pass.
    assert {"group", "daily_list", "deletion_certificate", "lottery_rounds"} <= found.keys()
    assert len(found) >= 15


def test_every_record_type_written_has_its_words() -> None:
    listed = {choice.value for choice in RECORD_CHOICES if choice.value}
    written = set(written_record_types())
    # Types that reach the log through a variable: exports by content, sign-ins by kind,
    # the ward's reads.
    written |= {content.GROUPS, content.BOOKINGS, content.DAILY}
    written |= set(RECORD_TYPE_OF_KIND.values()) | {USAGE, ROSTER}
    assert sorted(written - listed) == []
    assert sorted(listed - written) == []  # no words for a type nothing writes


@pytest.mark.parametrize(
    ("detail", "japanese"),
    [
        ("wrong_code", "確認コードの誤り"),
        ("bad_credentials", "ログインIDまたはパスワードの誤り"),
        ("added as handler", "取扱者に任命"),
        ("role counter → handler", "役割を窓口から取扱者に変更"),
        ("phone, 7 chars, 3 results, q 1a2b3c4d", "電話番号で検索（7文字、照合値 1a2b3c4d）：3件"),
        ("list, 20 rows", "20行の一覧"),
        ("12 records, printed, ledger 4", "12件を印刷（管理簿 4）"),
        ("42 rows, csv, encrypted zip, ledger 9", "42行をCSV形式で暗号化して出力（管理簿 9）"),
        ("something a later version writes", "something a later version writes"),
        (None, "—"),
    ],
)
def test_details_in_japanese(app: Flask, detail: str | None, japanese: str) -> None:
    with app.test_request_context(headers={"Cookie": "lang=ja"}):
        assert labels.log_detail(detail) == japanese


def test_details_and_records_in_english(app: Flask) -> None:
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert labels.log_detail("wrong_code") == "wrong one-time code"
        assert labels.log_detail("added as handler") == "appointed as Handler"
        assert labels.log_record("daily_list", "2026-10-14") == (
            "Daily processing list (page) 2026-10-14"
        )
        assert labels.log_record("group", "12") == "Group 12"
        assert labels.log_record(None, None) == "—"


def test_the_ward_reads_entries_in_words(any_app: Flask) -> None:
    counter = any_app.test_client()
    signed_in_staff(counter, any_app, "genkikan", "counter")
    assert counter.get("/genkikan/manage/bookings/counter?q=03-1234").status_code == 200
    auditor = any_app.test_client()
    signed_in_auditor(auditor, any_app)
    auditor.set_cookie("lang", "ja")
    page = text(auditor.get("/ward/audit/access-log/genkikan?action=search&record_type=group"))
    assert "電話番号で検索（7文字、照合値 " in page
    assert "団体" in page
    assert "phone, 7 chars" not in page
    # The record type is picked from a list of words, not typed as a code.
    assert '<option value="daily_list">日別処理状況リスト（画面）</option>' in page
    refused = auditor.get("/ward/audit/access-log/genkikan?record_type=no_such_type")
    assert refused.status_code == 200
    assert 'class="access-log"' not in text(refused)
