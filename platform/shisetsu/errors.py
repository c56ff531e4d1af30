"""One error format: JSON with a stable code under /api/, a friendly page elsewhere.

Users never see a stack trace: unexpected exceptions are logged (and sent to Sentry when it
is configured) and answered with a 500 in the same format.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

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
    503: (
        "unavailable",
        _l("The service is briefly unavailable. Please try again in a minute."),
    ),
}
# Seconds a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 30


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
    """Render an HTTP error as JSON under /api/ and as a page elsewhere.

    An exception may carry its own ``error_code`` and ``error_message`` (bad input says
    what was wrong)."""
    status = exc.code or 500
    if isinstance(exc, InternalServerError):
        status = 500
    code, own_message = getattr(exc, "error_code", None), getattr(exc, "error_message", None)
    if is_api_request():
        body = error_body(status, code, own_message)
        extra = getattr(exc, "data", None)
        if isinstance(extra, dict) and (extra.get("messages") or extra.get("errors")):
            # webargs/marshmallow validation details: location → field → messages
            body["error"]["fields"] = extra.get("messages") or extra["errors"]
        response = jsonify(body)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response, status
    _code, message = _MESSAGES.get(status, _MESSAGES[500])
    return render_template("error.html", status=status, message=str(own_message or message)), status


class Unavailable(HTTPException):
    """The database cannot be reached: 503, come back after :data:`RETRY_AFTER_SECONDS`."""

    code = 503


class Conflict(HTTPException):
    """The database gave up a transaction (deadlock, serialisation failure): 409, retry."""

    code = 409


# SQLSTATE class 40: transaction rollback (serialisation failure, deadlock).
_ROLLBACK_STATES = ("40001", "40P01")


def handle_database_error(exc: sa_exc.DBAPIError | sa_exc.TimeoutError) -> Response:
    """A lost database is a 503 with ``Retry-After``; a rolled-back transaction a 409;
    a value the database cannot hold (out of range) a 400. The session is rolled back."""
    _roll_back()
    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if isinstance(exc, sa_exc.DataError):
        current_app.logger.warning("database refused a value: %s", exc.orig)
        return _answer(BadRequest())
    if state in _ROLLBACK_STATES:
        current_app.logger.warning("transaction rolled back by the database: %s", state)
        return _answer(Conflict())
    current_app.logger.error("database unavailable: %s", exc)
    # Rendering the page must not ask the database for the signed-in user again.
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    response = _answer(Unavailable())
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_overflow(exc: OverflowError) -> Response:
    """A number too large for the database driver (SQLite past 2**63) is bad input."""
    _roll_back()
    current_app.logger.warning("number out of range: %s", exc)
    return _answer(BadRequest())


def _answer(exc: HTTPException) -> Response:
    body, status = handle_http_exception(exc)
    return make_response(body, status)


def _roll_back() -> None:
    session = current_app.extensions["sqlalchemy"].session
    try:
        session.rollback()
    except sa_exc.SQLAlchemyError:
        session.invalidate()


def register_error_handlers(app: Flask) -> None:
    """Handle every HTTP error (unhandled exceptions arrive as InternalServerError)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    for error in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DataError):
        app.register_error_handler(error, handle_database_error)
    app.register_error_handler(sa_exc.TimeoutError, handle_database_error)  # pool exhausted
    app.register_error_handler(OverflowError, handle_overflow)
