"""One error format: JSON with a stable code under /api/, a friendly page elsewhere.

Users never see a stack trace: unexpected exceptions are logged (and sent to Sentry when it
is configured) and answered with a 500 in the same format.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

# code → (stable error code, English message marked for translation)
_MESSAGES: dict[int, tuple[str, LazyString]] = {
    400: ("bad_request", _l("The request could not be understood. Please check what you entered.")),
    401: ("unauthorized", _l("Please sign in to continue.")),
    403: ("forbidden", _l("You do not have permission to do this.")),
    404: ("not_found", _l("The page or item you asked for was not found.")),
    405: ("method_not_allowed", _l("This action is not allowed here.")),
    409: ("conflict", _l("Someone else changed this just now. Please try again.")),
    413: ("too_large", _l("What you sent is too large.")),
    422: ("unprocessable", _l("Some of what you entered cannot be accepted.")),
    429: ("too_many_requests", _l("Too many attempts. Please wait a moment and try again.")),
    500: ("internal_error", _l("Something went wrong on our side. Please try again later.")),
}


def localized(message: LazyString | str) -> dict[str, str]:
    """``message`` in every language, for JSON bodies that serve both at once."""
    texts = {}
    for locale in ("ja", "en"):
        with force_locale(locale):
            texts[locale] = str(message)
    return texts


def error_body(
    status: int, code: str | None = None, message: LazyString | None = None
) -> dict[str, Any]:
    """The API error document for ``status`` (docs/architecture.md, The API contract)."""
    default_code, default_message = _MESSAGES.get(status, _MESSAGES[500])
    text = localized(message or default_message)
    return {"error": {"code": code or default_code, "message": text}}


def is_api_request() -> bool:
    """Whether the current request is for the JSON API."""
    return request.path.startswith("/api/")


def handle_http_exception(exc: HTTPException) -> tuple[Response | str, int]:
    """Render an HTTP error as JSON under /api/ and as a page elsewhere."""
    status = exc.code or 500
    if isinstance(exc, InternalServerError):
        status = 500
    if is_api_request():
        body = error_body(status)
        extra = getattr(exc, "data", None)
        if isinstance(extra, dict) and (extra.get("messages") or extra.get("errors")):
            # webargs/marshmallow validation details: location → field → messages
            body["error"]["fields"] = extra.get("messages") or extra["errors"]
        response = jsonify(body)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response, status
    _code, message = _MESSAGES.get(status, _MESSAGES[500])
    return render_template("error.html", status=status, message=str(message)), status


def register_error_handlers(app: Flask) -> None:
    """Handle every HTTP error (unhandled exceptions arrive as InternalServerError)."""
    app.register_error_handler(HTTPException, handle_http_exception)
