"""Tenancy behaviour shared by both databases, plus SQLite's file-per-tenant isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.extensions import db
from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy.binding import (
    TenantBindingError,
    UnknownTenant,
    bind_tenant,
    bound_tenant_for,
    clear_registry_cache,
    find_tenant,
    tenant_session,
)
from shisetsu.tenancy.engines import tenant_engine, tenant_sqlite_path
from shisetsu.tenancy.names import BoundTenant

TENANTS = Path(__file__).resolve().parents[2] / "tenants"
GENKIKAN_ROOMS = 5
REGASU_ROOMS = 19


def bound(app: Flask, slug: str) -> BoundTenant:
    record = find_tenant(slug)
    assert record is not None
    return bound_tenant_for(app, record)


# --- binding ------------------------------------------------------------------------


def test_a_session_serves_one_tenant(any_app: Flask) -> None:
    with any_app.app_context():
        session = db.session()
        bind_tenant(session, bound(any_app, "regasu"))
        bind_tenant(session, bound(any_app, "regasu"))  # the same tenant again is fine
        with pytest.raises(TenantBindingError, match="already serves tenant 'regasu'"):
            bind_tenant(session, bound(any_app, "genkikan"))


def test_binding_after_first_use_is_refused(any_app: Flask) -> None:
    with any_app.app_context():
        session = db.session()
        session.execute(sa.text("SELECT 1"))
        with pytest.raises(TenantBindingError, match="before the session is first used"):
            bind_tenant(session, bound(any_app, "genkikan"))


def test_unknown_or_invalid_slug_is_not_a_tenant(any_app: Flask) -> None:
    for slug in ("nope", "Regasu", "api", "x"):
        with pytest.raises(UnknownTenant), tenant_session(any_app, slug):
            pass


def test_a_tenant_that_is_not_active_is_not_served(any_app: Flask) -> None:
    from shisetsu.tenancy.models import Tenant

    assert any_app.test_client().get("/genkikan/").status_code == 200
    with any_app.app_context():
        db.session.execute(
            sa.update(Tenant).where(Tenant.slug == "genkikan").values(status="suspended")
        )
        db.session.commit()
        # The registry is cached for TENANT_CACHE_SECONDS (5): still served until it lapses.
        assert find_tenant("genkikan") is not None
        clear_registry_cache(any_app)
        assert find_tenant("genkikan") is None
        assert find_tenant("regasu") is not None
        db.session.remove()
    assert any_app.test_client().get("/genkikan/").status_code == 404
    with pytest.raises(UnknownTenant, match="genkikan"), tenant_session(any_app, "genkikan"):
        pass


# --- SQLite: one file per tenant ------------------------------------------------------


def test_sqlite_tenant_engine_sees_only_its_file_and_the_platform(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        engine = tenant_engine(bound(sqlite_app, "genkikan"))
        with engine.connect() as conn:
            databases = {row[1]: row[2] for row in conn.execute(sa.text("PRAGMA database_list"))}
            assert conn.scalar(sa.text("SELECT count(*) FROM rooms")) == GENKIKAN_ROOMS
            with pytest.raises(sa.exc.OperationalError, match=r"no such table: regasu\.rooms"):
                conn.execute(sa.text("SELECT * FROM regasu.rooms"))
    assert set(databases) == {"main", "platform"}
    assert Path(databases["main"]) == tenant_sqlite_path(sqlite_app, "genkikan")
    assert Path(databases["platform"]).name == "platform.db"


def test_sqlite_bound_sessions_read_different_files(sqlite_app: Flask) -> None:
    counts = {}
    for slug in ("regasu", "genkikan"):
        with tenant_session(sqlite_app, slug) as session:
            counts[slug] = session.scalar(sa.text("SELECT count(*) FROM rooms"))
            # The registry is reachable (attached), tenant data of others is not.
            assert session.scalar(sa.text("SELECT count(*) FROM platform.tenants")) == 2
    assert counts == {"regasu": REGASU_ROOMS, "genkikan": GENKIKAN_ROOMS}


def test_sqlite_create_failing_midway_leaves_nothing(
    sqlite_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "tenant.toml"
    text = (TENANTS / "genkikan" / "tenant.toml").read_text("utf-8")
    toml.write_text(text.replace('slug = "genkikan"', 'slug = "kumin_a"'), "utf-8")

    def broken_sync(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(provisioning, "sync_facilities", broken_sync)
    with pytest.raises(RuntimeError, match="disk full"):
        provisioning.create_tenant(sqlite_app, "kumin_a", toml)
    assert not tenant_sqlite_path(sqlite_app, "kumin_a").exists()
    assert [t.slug for t in provisioning.list_tenants(sqlite_app)] == ["regasu", "genkikan"]

    monkeypatch.undo()
    provisioning.create_tenant(sqlite_app, "kumin_a", toml)
    assert tenant_sqlite_path(sqlite_app, "kumin_a").exists()


def test_sqlite_create_refuses_a_duplicate_and_keeps_its_data(sqlite_app: Flask) -> None:
    with pytest.raises(provisioning.ProvisioningError, match="'genkikan' already exists"):
        provisioning.create_tenant(sqlite_app, "genkikan")
    with tenant_session(sqlite_app, "genkikan") as session:
        assert session.scalar(sa.text("SELECT count(*) FROM rooms")) == GENKIKAN_ROOMS


# --- cross-tenant requests (an id from another tenant is a 404) -----------------------


def test_another_tenants_room_id_is_not_found(any_app: Flask) -> None:
    client = any_app.test_client()
    regasu_only = GENKIKAN_ROOMS + 3  # ids are per tenant; this one exists only in Regasu
    assert client.get(f"/regasu/rooms/{regasu_only}").status_code == 200
    assert client.get(f"/genkikan/rooms/{regasu_only}").status_code == 404
    assert client.get("/genkikan/rooms/1").status_code == 200


def test_room_ids_that_cannot_exist_are_not_found(any_app: Flask) -> None:
    client = any_app.test_client()
    for room_id in ("0", str(2**31), str(2**63), "99999999999999999999", "-1", "abc"):
        assert client.get(f"/genkikan/rooms/{room_id}").status_code == 404, room_id


def test_a_shared_room_id_shows_each_tenants_own_room(any_app: Flask) -> None:
    client = any_app.test_client()
    genkikan = client.get("/genkikan/rooms/1").get_data(as_text=True)
    regasu = client.get("/regasu/rooms/1").get_data(as_text=True)
    assert "多目的室" in genkikan  # Genkikan's first room
    assert "多目的室" not in regasu


def test_home_page_lists_only_own_facilities(any_app: Flask) -> None:
    client = any_app.test_client()
    genkikan = client.get("/genkikan/").get_data(as_text=True)
    regasu = client.get("/regasu/").get_data(as_text=True)
    assert "調理室" in genkikan
    assert "新宿歴史博物館" not in genkikan
    assert "新宿歴史博物館" in regasu
    assert "調理室" not in regasu


def test_api_lists_only_own_facilities(any_app: Flask) -> None:
    client = any_app.test_client()
    genkikan = client.get("/api/v1/genkikan/facilities").get_json()
    regasu = client.get("/api/v1/regasu/facilities").get_json()
    assert [f["code"] for f in genkikan] == ["genkikan"]
    assert "genkikan" not in {f["code"] for f in regasu}
    assert sum(len(f["rooms"]) for f in genkikan) == GENKIKAN_ROOMS
    assert sum(len(f["rooms"]) for f in regasu) == REGASU_ROOMS
