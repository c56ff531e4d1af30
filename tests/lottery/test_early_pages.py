"""The early close/draw pages on both databases: the one-click POST only redirects, the
confirmation page refuses bad reasons with 422 (nothing changed), approval by a second
staff member, role access, CSRF, another tenant's round or request is a 404, and the
public page, the dry run and the ward's console show what happened."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.lottery.models import LotteryEarlyRequest
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.apps import _dispose, make_app
from tests.fixtures.auth import Ref, login_as, make_staff
from tests.support.groups import text
from tests.support.lottery import enter, group, lottery_slot_ids, open_round, round_row

GENKIKAN, REGASU = "genkikan", "regasu"


def _round(app: Flask, tenant: str) -> int:
    rid = open_round(app, tenant)
    (s1,) = lottery_slot_ids(app, tenant, rid, 1)
    for _ in range(3):
        enter(app, tenant, rid, group(app, tenant)[1], [[s1]])
    return rid


def _client(app: Flask, tenant: str, role: str = "handler") -> tuple[FlaskClient, Ref]:
    client = app.test_client()
    staff = make_staff(app, tenant, role)
    login_as(client, app, "staff", tenant, staff)
    return client, staff


def _requests(app: Flask, tenant: str) -> list[LotteryEarlyRequest]:
    with tenant_session(app, tenant) as session:
        rows = list(
            session.scalars(sa.select(LotteryEarlyRequest).order_by(LotteryEarlyRequest.id))
        )
        session.expunge_all()
        return rows


def test_one_click_redirects_and_bad_reasons_are_422(any_app: Flask) -> None:
    rid = _round(any_app, REGASU)
    client, _ = _client(any_app, REGASU)
    base = f"/{REGASU}/manage/lottery/rounds/{rid}"
    page = client.get(base)
    assert f"{base}/early/close" in text(page) and f"{base}/early/draw" in text(page)
    moved = client.post(f"{base}/close")
    assert moved.status_code == 303 and moved.headers["Location"].endswith(f"{base}/early/close")
    assert round_row(any_app, REGASU, rid)["state"] == "open"
    form = client.get(f"{base}/early/close")
    assert form.status_code == 200 and 'name="reason"' in text(form)
    for reason, words in [
        ("", "この項目は必須です"),
        ("あ" * 301, "300文字以内"),
    ]:
        refused = client.post(f"{base}/early/close", data={"reason": reason})
        assert refused.status_code == 422, reason
        assert words in text(refused) and 'role="alert"' in text(refused)
    # A control character never reaches the form: every request refuses it first.
    refused = client.post(f"{base}/early/close", data={"reason": "停電\x07"})
    assert refused.status_code == 400 and "制御文字" in text(refused)
    assert round_row(any_app, REGASU, rid)["state"] == "open"
    assert _requests(any_app, REGASU) == []
    assert client.get(f"{base}/early/open").status_code == 404

    done = client.post(f"{base}/early/draw", data={"reason": "台風接近のため前倒し"})
    assert done.status_code == 303
    assert round_row(any_app, REGASU, rid)["state"] == "drawn"
    public = text(any_app.test_client().get(f"/{REGASU}/lottery/rounds/{rid}"))
    assert "繰上げ実施" in public and "台風接近のため前倒し" in public and "取扱者" in public
    assert "公表日時" in public and "実施日時" in public
    # nothing early left to do: the page sends staff back
    assert client.get(f"{base}/early/draw").status_code == 303


def test_second_staff_member_approves(any_app: Flask) -> None:
    rid = _round(any_app, GENKIKAN)
    asker, _ = _client(any_app, GENKIKAN)
    approver, approver_ref = _client(any_app, GENKIKAN, "responsible")
    base = f"/{GENKIKAN}/manage/lottery/rounds/{rid}"
    asked = asker.post(f"{base}/early/close", data={"reason": "館内工事のため"})
    assert asked.status_code == 303
    (req,) = _requests(any_app, GENKIKAN)
    assert req.state == "pending" and asked.headers["Location"].endswith(
        f"/early/requests/{req.id}"
    )
    assert round_row(any_app, GENKIKAN, rid)["state"] == "open"
    own = asker.get(f"{base}/early/requests/{req.id}")
    assert "/approve" not in text(own)  # no approve button for the one who asked
    refused = asker.post(f"{base}/early/requests/{req.id}/approve")
    assert refused.status_code == 303
    assert round_row(any_app, GENKIKAN, rid)["state"] == "open"
    assert "ご自身の依頼です" in text(asker.get(refused.headers["Location"]))
    # a second request while one is pending goes to the pending one
    again = approver.get(f"{base}/early/draw")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/requests/{req.id}")
    shown = approver.get(f"{base}/early/requests/{req.id}")
    assert "/approve" in text(shown) and "館内工事のため" in text(shown)
    approved = approver.post(f"{base}/early/requests/{req.id}/approve")
    assert approved.status_code == 303
    assert round_row(any_app, GENKIKAN, rid)["state"] == "closed"
    (req,) = _requests(any_app, GENKIKAN)
    assert (req.state, req.decided_by_id, req.decided_role) == (
        "done",
        approver_ref.id,
        "responsible",
    )
    assert approver.post(f"{base}/early/requests/{req.id}/maybe").status_code == 404
    public = text(any_app.test_client().get(f"/{GENKIKAN}/lottery/rounds/{rid}"))
    assert "承認：取扱責任者" in public


def test_decline_changes_nothing(any_app: Flask) -> None:
    rid = _round(any_app, GENKIKAN)
    asker, _ = _client(any_app, GENKIKAN)
    other, _ = _client(any_app, GENKIKAN)
    base = f"/{GENKIKAN}/manage/lottery/rounds/{rid}"
    asker.post(f"{base}/early/draw", data={"reason": "理由"})
    (req,) = _requests(any_app, GENKIKAN)
    assert other.post(f"{base}/early/requests/{req.id}/decline").status_code == 303
    (req,) = _requests(any_app, GENKIKAN)
    assert req.state == "declined" and round_row(any_app, GENKIKAN, rid)["state"] == "open"


def test_counter_staff_and_residents_may_not(any_app: Flask) -> None:
    rid = _round(any_app, REGASU)
    counter, _ = _client(any_app, REGASU, "counter")
    base = f"/{REGASU}/manage/lottery/rounds/{rid}"
    assert counter.get(f"{base}/early/close").status_code == 403
    assert counter.post(f"{base}/early/close", data={"reason": "x"}).status_code == 403
    anonymous = any_app.test_client().get(f"{base}/early/close")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert round_row(any_app, REGASU, rid)["state"] == "open"


def test_another_tenants_round_and_request_are_404(any_app: Flask) -> None:
    rid = _round(any_app, GENKIKAN)
    asker, _ = _client(any_app, GENKIKAN)
    asker.post(f"/{GENKIKAN}/manage/lottery/rounds/{rid}/early/close", data={"reason": "理由"})
    (req,) = _requests(any_app, GENKIKAN)
    other_round = _round(any_app, GENKIKAN)
    regasu, _ = _client(any_app, REGASU)
    # Regasu staff with Genkikan's ids: Regasu has no such round or request.
    base = f"/{REGASU}/manage/lottery/rounds/{rid + 1000}"
    assert regasu.get(f"{base}/early/close").status_code == 404
    assert regasu.get(f"{base}/early/requests/{req.id}").status_code == 404
    assert regasu.post(f"{base}/early/requests/{req.id}/approve").status_code == 404
    # Genkikan's request under another of Genkikan's rounds is not found either.
    wrong = f"/{GENKIKAN}/manage/lottery/rounds/{other_round}/early/requests/{req.id}"
    other, _ = _client(any_app, GENKIKAN)
    assert other.get(wrong).status_code == 404
    assert other.post(f"{wrong}/approve").status_code == 404
    assert _requests(any_app, GENKIKAN)[0].state == "pending"
    # Genkikan's staff signed in cannot reach Regasu's console.
    assert asker.get(f"/{REGASU}/manage/lottery/rounds/{rid}/early/close").status_code in (
        302,
        403,
        404,
    )


@pytest.mark.postgres
def test_regasu_session_cannot_read_genkikan_early_requests(pg_app: Flask) -> None:
    from sqlalchemy.exc import ProgrammingError

    with tenant_session(pg_app, REGASU) as session:
        with pytest.raises(ProgrammingError, match="permission denied"):
            session.execute(sa.text("SELECT count(*) FROM tenant_genkikan.lottery_early_requests"))
        session.rollback()


def test_dry_run_has_its_own_page(any_app: Flask) -> None:
    rid = _round(any_app, GENKIKAN)
    client, _ = _client(any_app, GENKIKAN)
    client.set_cookie("lang", "en")
    page = client.post(f"/{GENKIKAN}/manage/lottery/rounds/{rid}/preview")
    body = text(page)
    assert page.status_code == 200
    assert 'class="dry-run"' in body and "DRY RUN — NOT THE REAL DRAW" in body
    assert "1 choices would win" in body and "2 choices would not win" in body
    assert "lost:" not in body and "won:" not in body
    assert "<button" not in body.split("<main", 1)[1]  # no action buttons
    assert round_row(any_app, GENKIKAN, rid)["state"] == "open"


def test_ward_console_shows_the_trace(any_app: Flask) -> None:
    from tests.support.audit import make_auditor_with_email

    rid = _round(any_app, REGASU)
    staff, _ = _client(any_app, REGASU, "responsible")
    staff.post(
        f"/{REGASU}/manage/lottery/rounds/{rid}/early/draw", data={"reason": "停電予告のため"}
    )
    auditor, _ = make_auditor_with_email(any_app)
    ward = any_app.test_client()
    login_as(ward, any_app, "auditor", "", auditor)
    body = text(ward.get(f"/ward/lottery/?slug={REGASU}"))
    assert "繰上げ実施" in body and "停電予告のため" in body and "取扱責任者" in body
    ward.set_cookie("lang", "en")
    english = text(ward.get(f"/ward/lottery/?slug={REGASU}"))
    assert "Acted early" in english and "Responsible person" in english


@pytest.fixture
def csrf_app(sqlite_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """Both tenants on SQLite with CSRF protection on (the testing config turns it off)."""
    instance = tmp_path / "instance"
    shutil.copytree(sqlite_template, instance)
    app = make_app(instance, WTF_CSRF_ENABLED=True)
    yield app
    _dispose(app)


def test_posts_without_csrf_token_change_nothing(csrf_app: Flask) -> None:
    rid = _round(csrf_app, GENKIKAN)
    asker, _ = _client(csrf_app, GENKIKAN)
    base = f"/{GENKIKAN}/manage/lottery/rounds/{rid}"
    assert asker.post(f"{base}/early/close", data={"reason": "理由"}).status_code == 400
    assert _requests(csrf_app, GENKIKAN) == []
    assert round_row(csrf_app, GENKIKAN, rid)["state"] == "open"
