"""The export password by its own channel, each download in the ledger, and disposal.

The download page carries the link only; the password is shown once on its own page after
a current TOTP code. The ledger records each download (who, when, from which address) and
the handler's disposal (confirmation page; once; the maker or a responsible person), and
what stays undisposed past ``EXPORT_DISPOSAL_DAYS`` shows on the console home and to the
ward.
"""

from __future__ import annotations

import datetime as dt
import re

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.audit.models import AccessLog
from shisetsu.db import utcnow
from shisetsu.exports.models import ExportLedger, LedgerDownload
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import Ref, make_staff, sign_in_as
from tests.support.audit import signed_in_auditor
from tests.support.exports import handler_code, read_archive

TENANT = "regasu"
BASE = f"/{TENANT}/manage/exports"


def _client(app: Flask, role: str = "handler", tenant: str = TENANT) -> tuple[FlaskClient, Ref]:
    client = app.test_client()
    client.set_cookie("lang", "en")
    staff = make_staff(app, tenant, role)
    sign_in_as(client, app, staff)
    return client, staff


def _make(client: FlaskClient) -> tuple[int, str]:
    """An export of the groups; returns its ledger id and the download link."""
    response = client.post(f"{BASE}/groups", data={"groups-format": "csv-utf-8"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="([^"]*/download/[^"]+)"', page)
    assert link
    return int(response.headers["Location"].rsplit("/", 1)[1]), link.group(1)


def _row(app: Flask, ledger_id: int, tenant: str = TENANT) -> ExportLedger:
    with tenant_session(app, tenant) as session:
        row = session.get_one(ExportLedger, ledger_id)
        session.expunge(row)
        return row


def _age(app: Flask, ledger_id: int, days: int) -> None:
    """Put an export ``days`` back (the session would not survive moving the clock)."""
    with tenant_session(app, TENANT) as session:
        session.execute(
            sa.update(ExportLedger)
            .where(ExportLedger.id == ledger_id)
            .values(at=utcnow() - dt.timedelta(days=days))
        )
        session.commit()


def test_the_password_comes_only_after_a_code_and_only_once(any_app: Flask) -> None:
    client, _staff = _client(any_app)
    ledger_id, link = _make(client)
    url = f"{BASE}/password/{ledger_id}"
    form = client.get(url)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert 'id="archive-password"' not in form.get_data(as_text=True)
    wrong = client.post(url, data={"code": "000000"})
    assert "That code is not correct" in wrong.get_data(as_text=True)
    assert 'id="archive-password"' not in wrong.get_data(as_text=True)

    shown = client.post(url, data={"code": handler_code(client, TENANT)})
    password = re.search(r'id="archive-password"[^>]*>([^<]+)<', shown.get_data(as_text=True))
    assert password and len(password.group(1)) == 16
    assert client.get(url).status_code == 404  # shown once
    archive = client.get(link)
    assert archive.status_code == 200
    name, body = read_archive(archive.data, password.group(1))
    assert name.endswith(".csv") and body.startswith(b"\xef\xbb\xbf")


def test_too_many_wrong_codes_throw_the_password_away(any_app: Flask) -> None:
    any_app.config["LOCKOUT_THRESHOLD"] = 2
    client, _staff = _client(any_app)
    ledger_id, _link = _make(client)
    url = f"{BASE}/password/{ledger_id}"
    assert client.post(url, data={"code": "000000"}).status_code == 200
    gone = client.post(url, data={"code": "000000"})
    assert gone.status_code == 302 and gone.headers["Location"] == f"{BASE}/"
    assert client.get(url).status_code == 404


def test_each_download_is_in_the_ledger_with_who_when_and_where(any_app: Flask) -> None:
    client, staff = _client(any_app)
    ledger_id, link = _make(client)
    assert client.get(link, environ_base={"REMOTE_ADDR": "192.0.2.41"}).status_code == 200
    with tenant_session(any_app, TENANT) as session:
        (download,) = session.scalars(
            sa.select(LedgerDownload).where(LedgerDownload.ledger_id == ledger_id)
        ).all()
        assert (download.staff_id, download.staff_login, download.ip) == (
            staff.id,
            staff.login,
            "192.0.2.41",
        )
        logged = session.scalars(
            sa.select(AccessLog).where(
                AccessLog.record_type == "export_ledger", AccessLog.record_id == str(ledger_id)
            )
        ).all()
        assert [e.detail for e in logged] == [f"archive downloaded, ledger {ledger_id}"]
    ledger = client.get(f"{BASE}/").get_data(as_text=True)
    row = ledger.split(f'id="ledger-{ledger_id}"')[1].split("</tr>")[0]
    assert staff.login in row and "192.0.2.41" in row and "Disposal to record" in row


def test_disposal_is_confirmed_recorded_once_and_shown(any_app: Flask) -> None:
    client, staff = _client(any_app)
    ledger_id, link = _make(client)
    url = f"{BASE}/{ledger_id}/dispose"
    early = client.get(url)
    assert "never downloaded" in early.get_data(as_text=True)
    assert client.post(url, data={"method": "deleted", "confirm": "y"}).status_code == 422
    assert _row(any_app, ledger_id).disposed_at is None

    client.get(link)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.get_data(as_text=True)
    unticked = client.post(url, data={"method": "deleted"})
    assert unticked.status_code == 422
    assert "Please tick the confirmation" in unticked.get_data(as_text=True)
    unknown = client.post(url, data={"method": "burnt", "confirm": "y"})
    assert unknown.status_code == 422
    assert _row(any_app, ledger_id).disposed_at is None

    done = client.post(url, data={"method": "deleted", "note": "PC-3 wiped", "confirm": "y"})
    assert done.status_code == 302
    row = _row(any_app, ledger_id)
    assert (row.disposed_by_id, row.disposed_by_login, row.disposal_method) == (
        staff.id,
        staff.login,
        "deleted",
    )
    assert row.disposal_note == "PC-3 wiped" and row.disposed_at is not None
    again = client.post(url, data={"method": "destroyed", "confirm": "y"})
    assert again.status_code == 422 and "already recorded" in again.get_data(as_text=True)
    assert _row(any_app, ledger_id).disposal_method == "deleted"
    ledger = client.get(f"{BASE}/").get_data(as_text=True)
    shown = ledger.split(f'id="ledger-{ledger_id}"')[1].split("</tr>")[0]
    assert "Disposed of" in shown and "PC-3 wiped" in shown and staff.login in shown


def test_only_the_maker_or_a_responsible_person_records_the_disposal(any_app: Flask) -> None:
    maker, _staff = _client(any_app)
    ledger_id, link = _make(maker)
    maker.get(link)
    other, _ = _client(any_app, "handler")
    refused = other.post(f"{BASE}/{ledger_id}/dispose", data={"method": "deleted", "confirm": "y"})
    assert refused.status_code == 422 and "Only the handler who made" in refused.get_data(
        as_text=True
    )
    counter, _ = _client(any_app, "counter")
    assert counter.get(f"{BASE}/{ledger_id}/dispose").status_code == 403
    boss, chief = _client(any_app, "responsible")
    done = boss.post(f"{BASE}/{ledger_id}/dispose", data={"method": "destroyed", "confirm": "y"})
    assert done.status_code == 302
    assert _row(any_app, ledger_id).disposed_by_id == chief.id


def test_overdue_disposals_show_on_the_home_page_and_to_the_ward(any_app: Flask) -> None:
    client, _staff = _client(any_app)
    ledger_id, link = _make(client)
    client.get(link)
    fresh, stale = "overdue-disposals", f"{BASE}/{ledger_id}/dispose"
    assert fresh not in client.get(f"/{TENANT}/manage/").get_data(as_text=True)
    _age(any_app, ledger_id, 8)
    home = client.get(f"/{TENANT}/manage/").get_data(as_text=True)
    assert fresh in home and stale in home
    assert "without a recorded disposal after 7 days" in home
    counter, _ = _client(any_app, "counter")
    assert fresh not in counter.get(f"/{TENANT}/manage/").get_data(as_text=True)

    ward = any_app.test_client()
    ward.set_cookie("lang", "en")
    signed_in_auditor(ward, any_app)
    page = ward.get(f"/ward/exports/{TENANT}").get_data(as_text=True)
    overdue = page.split('id="overdue-disposals"')[1].split("</section>")[0]
    assert f"Export no. {ledger_id}:" in overdue
    assert "Overdue: disposal not recorded" in page

    client.post(stale, data={"method": "deleted", "confirm": "y"})
    assert fresh not in client.get(f"/{TENANT}/manage/").get_data(as_text=True)
    assert 'id="overdue-disposals"' not in ward.get(f"/ward/exports/{TENANT}").get_data(
        as_text=True
    )


def test_an_export_never_downloaded_is_not_overdue(any_app: Flask) -> None:
    client, _staff = _client(any_app)
    ledger_id, _link = _make(client)
    _age(any_app, ledger_id, 30)
    assert "overdue-disposals" not in client.get(f"/{TENANT}/manage/").get_data(as_text=True)
    row = client.get(f"{BASE}/").get_data(as_text=True).split(f'id="ledger-{ledger_id}"')[1]
    assert "nothing to dispose of" in row.split("</tr>")[0]


def test_another_tenants_export_pages_are_404(any_app: Flask) -> None:
    client, _staff = _client(any_app)
    ledger_id, link = _make(client)
    client.get(link)
    other, _ = _client(any_app, "responsible", tenant="genkikan")
    for path in (f"/genkikan/manage/exports/{ledger_id}/dispose",):
        assert other.get(path).status_code == 404
        assert other.post(path, data={"method": "deleted", "confirm": "y"}).status_code == 404
    # The password page belongs to the session and tenant that made the export.
    assert other.get(f"/genkikan/manage/exports/password/{ledger_id}").status_code == 404
    assert client.get(f"/genkikan/manage/exports/password/{ledger_id}").status_code in (302, 404)
    assert _row(any_app, ledger_id).disposed_at is None


@pytest.mark.parametrize("table", ["export_ledger_downloads", "export_ledger"])
def test_the_database_refuses_another_tenants_ledger(pg_app: Flask, table: str) -> None:
    with tenant_session(pg_app, "regasu") as session:
        with pytest.raises(sa.exc.ProgrammingError) as info:
            session.execute(sa.text(f"SELECT * FROM tenant_genkikan.{table}"))
        assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)
