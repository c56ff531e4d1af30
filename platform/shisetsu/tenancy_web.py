"""Resolving the tenant from the URL (``/<tenant>/…`` and ``/api/v1/<tenant>/…``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, g

from shisetsu.tenancy.binding import UnknownTenant, bind_request_tenant


def init_app(app: Flask) -> None:
    """Bind every request whose route has a ``tenant`` argument; unknown slugs are a 404."""
    app.url_value_preprocessor(_bind_from_url)
    app.url_defaults(_default_tenant)


def _bind_from_url(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values or "tenant" not in values:
        return
    slug = values.pop("tenant")
    try:
        bind_request_tenant(slug)
    except UnknownTenant:
        abort(404)


def _default_tenant(endpoint: str, values: dict[str, Any]) -> None:
    # url_for inside a tenant's pages need not repeat the tenant.
    if (
        "tenant" not in values
        and "tenant_slug" in g
        and current_app.url_map.is_endpoint_expecting(endpoint, "tenant")
    ):
        values["tenant"] = g.tenant_slug
