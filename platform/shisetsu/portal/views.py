"""Portal pages (no tenant bound)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from shisetsu.auth.access import PUBLIC, access
from shisetsu.i18n import LANG_COOKIE
from shisetsu.portal.operations import active_tenants, health

bp = Blueprint("portal", __name__)


@bp.get("/")
@access(PUBLIC)
def index() -> str:
    """List the operators residents can choose from."""
    return render_template("portal/index.html", tenants=active_tenants())


@bp.get("/lang/<code>")
@access(PUBLIC)
def switch_language(code: str) -> Response:
    """Remember the chosen language and go back to where the user was."""
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = "/"  # never redirect off-site
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


@bp.get("/favicon.ico")
@access(PUBLIC)
def favicon() -> tuple[str, int]:
    """No icon: answer 204 so browsers stop asking (and it is never taken for a tenant)."""
    return "", 204


@bp.get("/healthz")
@access(PUBLIC)
def healthz() -> tuple[Response, int]:
    """200 when the database (and Redis, if configured) answer; 503 otherwise."""
    checks = health()
    ok = all(checks.values())
    body = {"status": "ok" if ok else "unavailable", "checks": checks}
    return jsonify(body), 200 if ok else 503
