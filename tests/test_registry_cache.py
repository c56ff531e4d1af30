"""Registry lookups are cached briefly per process; ids beyond the integer range are 404s."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from shisetsu.provisioning.operations import admin_connection
from shisetsu.tenancy.binding import clear_registry_cache, find_tenant
from shisetsu.tenancy.models import Tenant


def _retire(app: Flask, slug: str) -> None:
    with admin_connection(app) as conn:
        conn.execute(sa.update(Tenant).where(Tenant.slug == slug).values(status="retired"))


def test_cached_row_is_served_until_cleared(sqlite_app: Flask) -> None:
    sqlite_app.config["TENANT_CACHE_SECONDS"] = 60
    with sqlite_app.app_context():
        assert find_tenant("genkikan") is not None
        _retire(sqlite_app, "genkikan")
        assert find_tenant("genkikan") is not None  # still cached
        clear_registry_cache(sqlite_app)
        assert find_tenant("genkikan") is None


def test_no_cache_when_disabled(sqlite_app: Flask) -> None:
    sqlite_app.config["TENANT_CACHE_SECONDS"] = 0
    with sqlite_app.app_context():
        assert find_tenant("genkikan") is not None
        _retire(sqlite_app, "genkikan")
        assert find_tenant("genkikan") is None
    assert sqlite_app.test_client().get("/genkikan/").status_code == 404


def test_huge_ids_are_not_found(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    assert client.get("/genkikan/rooms/1").status_code == 200
    assert client.get("/genkikan/rooms/99999999999999999999999").status_code == 404
    assert client.get("/genkikan/manage/groups/99999999999999999999").status_code in (302, 404)
