"""Per-tenant runtime: the loaded tenant.toml and the tenant's own PluginManager.

Built lazily on first use and cached for the life of the process; `tenants sync` in another
process is picked up on restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pluggy
from flask import Flask, current_app, g, has_app_context

from shisetsu.plugins.host import build_plugin_manager
from shisetsu.tenancy.config import TenantConfig, load_tenant_config

RUNTIMES_KEY = "shisetsu.runtimes"


@dataclass(frozen=True)
class TenantRuntime:
    """A tenant's configuration and policy plugins."""

    config: TenantConfig
    plugins: pluggy.PluginManager


def init_runtimes(app: Flask) -> None:
    """Give the app an empty runtime cache (one PluginManager per tenant, built on demand)."""
    app.extensions[RUNTIMES_KEY] = {}


def runtime_for(slug: str, config_path: str | Path) -> TenantRuntime:
    """The cached runtime of ``slug``, loading its configuration on first use."""
    cache: dict[str, TenantRuntime] = current_app.extensions[RUNTIMES_KEY]
    runtime = cache.get(slug)
    if runtime is None:
        config = load_tenant_config(Path(config_path))
        runtime = TenantRuntime(config, tenant_plugins(config))
        cache[slug] = runtime
    return runtime


def tenant_plugins(config: TenantConfig) -> pluggy.PluginManager:
    """Build ``config``'s plugins, refusing a horizon that runs ahead of its lottery."""
    return build_plugin_manager(
        config.plugins, categories=[c.code for c in config.group_categories]
    )


def runtime_of(config: TenantConfig) -> TenantRuntime:
    """The runtime of an already loaded ``config``: cached when the app has one."""
    cache: dict[str, TenantRuntime] | None = None
    if has_app_context():
        cache = current_app.extensions.get(RUNTIMES_KEY)
    runtime = cache.get(config.slug) if cache is not None else None
    if runtime is None or runtime.config is not config:
        runtime = TenantRuntime(config, tenant_plugins(config))
        if cache is not None and config.slug not in cache:
            cache[config.slug] = runtime
    return runtime


def current_runtime() -> TenantRuntime:
    """The runtime of the tenant this request is bound to."""
    return runtime_for(g.tenant.slug, g.tenant.config_path)
