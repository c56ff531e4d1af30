"""Personal-data exports: AES-256 ZIP with a once-shown password, one-time download, ledger."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.audit.models import AccessLog
from shisetsu.exports.models import ExportLedger, PendingDownload
from shisetsu.groups.models import Group
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import make_resident, make_staff, sign_in_as
from tests.support.exports import export, read_archive
from tests.support.groups import make_group

NAME = "試験 代表者"


def _made(app: Flask, tenant: str, fmt: str = "csv-cp932"):  # type: ignore[no-untyped-def]
    resident = make_resident(app, tenant)
    make_group(app, tenant, resident.id, status="approved", name="暗号化テスト会")
    with tenant_session(app, tenant) as session:
        session.execute(
            sa.update(Group).where(Group.account_id == resident.id).values(representative_name=NAME)
        )
        session.commit()
        count = session.scalar(sa.select(sa.func.count()).select_from(Group))
    client = app.test_client()
    staff = make_staff(app, tenant, "handler")
    sign_in_as(client, app, staff)
    made = export(client, tenant, "groups", {"groups-format": fmt})
    return client, staff, made.password, made.link, count


def _read(archive: bytes, password: str | None) -> bytes:
    return read_archive(archive, password)[1]


@pytest.mark.parametrize("fmt,codec", [("csv-cp932", "cp932"), ("csv-utf-8", "utf-8-sig")])
def test_archive_needs_the_password_and_ledger_is_written(app: Flask, fmt: str, codec: str) -> None:
    client, staff, password, link, count = _made(app, "regasu", fmt)
    assert len(password) == 16
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    archive = response.data
    with pytest.raises((RuntimeError, zipfile.BadZipFile)):
        _read(archive, None)
    with pytest.raises((RuntimeError, zipfile.BadZipFile)):
        _read(archive, "wrong-password-0")
    # the stdlib cannot read AES entries at all
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as plain,
        pytest.raises((RuntimeError, NotImplementedError)),
    ):
        plain.read(plain.namelist()[0])
    body = _read(archive, password)
    if codec == "utf-8-sig":
        assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode(codec))))
    assert any(NAME in row for row in rows)
    assert len(rows) - 1 == count
    with tenant_session(app, "regasu") as session:
        ledger = session.scalars(
            sa.select(ExportLedger).where(ExportLedger.handler_id == staff.id)
        ).one()
        assert (ledger.content, ledger.record_count, ledger.encrypted) == ("groups", count, True)
        assert ledger.handler_login == staff.login
        logged = session.scalars(
            sa.select(AccessLog).where(AccessLog.action == "export", AccessLog.actor_id == staff.id)
        ).all()
        assert len(logged) == 1 and logged[0].record_type == "groups"
        assert session.scalar(sa.select(sa.func.count()).select_from(PendingDownload)) == 0
        # the password is stored nowhere
        assert password not in repr([c for c in session.execute(sa.select(ExportLedger)).all()])
    # the ledger page lists it
    assert staff.login in client.get("/regasu/manage/exports/").get_data(as_text=True)


def test_download_works_once(app: Flask) -> None:
    client, _staff, _password, link, _count = _made(app, "regasu")
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 404


def test_another_tenants_token_is_not_found(app: Flask) -> None:
    _client, _staff, _password, link, _count = _made(app, "regasu")
    other = app.test_client()
    sign_in_as(other, app, make_staff(app, "genkikan", "handler"))
    assert other.get(link.replace("/regasu/", "/genkikan/")).status_code == 404
    # still there for its own tenant
    assert _client.get(link).status_code == 200


def test_counter_staff_cannot_export(app: Flask) -> None:
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "regasu", "counter"))
    assert client.get("/regasu/manage/exports/").status_code == 403
    response = client.post("/regasu/manage/exports/groups", data={"groups-format": "csv-cp932"})
    assert response.status_code == 403


@pytest.mark.postgres
def test_postgres_cross_tenant_token(pg_app: Flask) -> None:
    client, _staff, password, link, _count = _made(pg_app, "regasu")
    other = pg_app.test_client()
    sign_in_as(other, pg_app, make_staff(pg_app, "genkikan", "handler"))
    assert other.get(link.replace("/regasu/", "/genkikan/")).status_code == 404
    response = client.get(link)
    assert response.status_code == 200
    assert NAME in _read(response.data, password).decode("cp932")
