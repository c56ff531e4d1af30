"""The application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from shisetsu import api, forms_text, i18n, security, tenancy_web
from shisetsu.auth import caching, limits, sessions
from shisetsu.auth.setup import init_login_manager
from shisetsu.blueprints import register_blueprints
from shisetsu.commands import register_cli
from shisetsu.config import load_config
from shisetsu.extensions import babel, csrf, db, limiter, login_manager
from shisetsu.lottery import labels as lottery_labels
from shisetsu.lottery.rounds import first_come_opening, lottery_source
from shisetsu.observability.logging import init_request_logging
from shisetsu.observability.sentry import init_sentry
from shisetsu.paths import PROJECT_ROOT
from shisetsu.routing import BoundedIntConverter
from shisetsu.slots.lottery import set_lottery_source, set_opening_source
from shisetsu.tenancy.runtime import init_runtimes


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config → extensions → tenancy → blueprints → plugins → CLI → Sentry."""
    instance = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "SHISETSU_INSTANCE_PATH", str(PROJECT_ROOT / "instance")
    )
    app = Flask("shisetsu", instance_path=str(Path(instance).resolve()))
    load_config(app, overrides)
    hops = int(app.config["PROXY_FIX_HOPS"])
    if hops:
        # Behind a TLS-terminating proxy: trust exactly this many X-Forwarded-* hops, so the
        # access log records the client's address, not the proxy's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    limits.init_app(app)  # back from the in-memory fallback once Redis answers
    login_manager.init_app(app)
    init_login_manager(login_manager)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    security.init_app(app)

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    tenancy_web.init_app(app)
    sessions.init_app(app)  # idle timeout: after tenant binding, before views
    caching.init_app(app)  # no-store on personal pages

    register_blueprints(app)
    api.register(app)
    forms_text.init_app(app)  # bad text refused: after the API's hooks, before every view

    init_runtimes(app)
    set_lottery_source(app, lottery_source)  # slots of rounds in progress show as 抽
    set_opening_source(app, first_come_opening)  # staggered first come by category
    lottery_labels.init_app(app)

    register_cli(app)
    init_request_logging(app)
    init_sentry(app)
    return app
