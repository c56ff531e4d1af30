"""API sign-in: bearer tokens for residents and staff (staff must add their TOTP code)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request
from flask_babel import LazyString, format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shisetsu import audit
from shisetsu.accounts import operations as accounts
from shisetsu.api.schemas import link, links
from shisetsu.auth.access import ANY_STAFF, PUBLIC, access
from shisetsu.auth.limits import login_limits
from shisetsu.auth.lockout import Outcome, UnknownCounter, authenticate
from shisetsu.auth.principals import (
    RESIDENT,
    STAFF,
    first_sign_in_done,
    is_usable,
    unknown_model,
)
from shisetsu.auth.second_factor import is_enrolled, note_failure
from shisetsu.auth.tokens import issue_token, revoke_token
from shisetsu.auth.totp import verify_code
from shisetsu.errors import error_body
from shisetsu.extensions import db
from shisetsu.people.models import Staff
from shisetsu.staff.operations import find_active_staff

bp = Blueprint(
    "api_tokens",
    __name__,
    url_prefix="/api/v1/<tenant>",
    description="Signing in to the API: bearer tokens (expiring, revocable)",
)
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
# A link parameter that sends the token just issued (POST /tokens) on the next call.
BEARING = {"header__Authorization": "Bearer {$response.body#/token}"}


class TokenRequestSchema(Schema):
    """Credentials for a token."""

    login = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "Login ID (residents may also use their email address)"},
    )
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    otp = fields.String(
        validate=validate.Length(max=16),
        metadata={"description": "Current TOTP code; required for staff"},
    )
    kind = fields.String(
        load_default=RESIDENT,
        validate=validate.OneOf([RESIDENT, STAFF]),
        metadata={"description": "Who signs in: a resident (default) or a staff member"},
    )


class TokenSchema(Schema):
    """A bearer token: send it as ``Authorization: Bearer <token>``."""

    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True, metadata={"description": "UTC, ISO 8601"})
    kind = fields.String(required=True, validate=validate.OneOf([RESIDENT, STAFF]))


class MeSchema(Schema):
    """Who a bearer token belongs to."""

    kind = fields.String(required=True, validate=validate.OneOf([RESIDENT, STAFF]))
    login = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "resident, or the staff role"})


def _error(status: int, code: str, message: LazyString) -> Response:
    response = jsonify(error_body(status, code, message))
    response.status_code = status
    return response


BAD_CREDENTIALS = _l("The login ID or password is not correct.")


def _sign_in(body: dict[str, Any], now: datetime) -> tuple[Any, Response | None]:
    """Check the credentials (lockout counts failures); returns (record, error response)."""
    if body["kind"] == STAFF:
        record: Any = find_active_staff(db.session(), body["login"])
        prior_failures = record.failed_logins if record is not None else 0
        unknown = UnknownCounter(db.session(), unknown_model(STAFF), body["login"])
        attempt = authenticate(record, body["password"], now, unknown=unknown)
        outcome, locked_until = attempt.outcome, attempt.locked_until
        audit.record_password_step(db.session(), STAFF, record, body["login"], outcome.value)
    else:
        result = accounts.sign_in(db.session(), body["login"], body["password"], now=now)
        record, outcome, locked_until = result.account, result.outcome, result.locked_until
        reason = "unverified" if result.unverified else outcome.value
        audit.record_sign_in(
            db.session(), RESIDENT, record, ok=result.ok, reason=reason, typed=body["login"]
        )
    db.session.commit()  # failures count towards the lockout, and are on the record
    if outcome is Outcome.LOCKED and locked_until is not None:
        return None, _locked(locked_until)
    if outcome is not Outcome.OK or record is None or not is_usable(body["kind"], record):
        return None, _error(401, "invalid_credentials", BAD_CREDENTIALS)
    if body["kind"] == RESIDENT and record.email_verified_at is None:
        message = _l("Confirm your email address with the link we mailed before signing in.")
        return None, _error(403, "email_unverified", message)
    if body["kind"] == STAFF and not first_sign_in_done(STAFF, record):
        message = _l(
            "Finish your first sign-in in the manager console first: choose your own "
            "password and set up two-step sign-in."
        )
        return None, _error(403, "first_sign_in_incomplete", message)
    if body["kind"] == STAFF:
        return _second_factor(record, body.get("otp") or "", now, prior_failures)
    return record, None


def _second_factor(
    record: Staff, otp: str, now: datetime, prior_failures: int
) -> tuple[Any, Response | None]:
    """Staff tokens need a current TOTP code; wrong codes count towards the lockout.

    The right password alone does not clear earlier failures: only a complete sign-in does.
    """
    accepted = is_enrolled(record) and verify_code(record, otp, now)
    locked_until = None
    if not accepted:
        record.failed_logins = prior_failures
        locked_until = note_failure(record, now) if otp else None
        reason = "wrong_code" if otp else "otp_required"
        audit.record_login_failure(db.session(), STAFF, record, reason=reason)
    else:
        audit.record_login(db.session(), STAFF, record, detail="api token")
    db.session.commit()  # the accepted step is remembered (no replay), failures counted
    if locked_until is not None:
        return None, _locked(locked_until)
    if not accepted:
        message = _l("Staff must add the current code from their authenticator app.")
        return None, _error(401, "otp_required", message)
    return record, None


def _locked(locked_until: datetime) -> Response:
    message = _l(
        "This account is locked after repeated failed sign-ins. You can sign in "
        "again after %(time)s (Japan time).",
        time=format_datetime(locked_until, "yyyy-MM-dd HH:mm"),
    )
    return _error(423, "account_locked", message)


@bp.post("/tokens")
@bp.arguments(TokenRequestSchema)
@bp.response(201, TokenSchema)
@bp.alt_response(400, schema="Error", description="The body is not JSON")
@bp.alt_response(401, schema="Error", description="invalid_credentials, or otp_required for staff")
@bp.alt_response(
    403,
    schema="Error",
    description="email_unverified; first_sign_in_incomplete (staff who have not yet replaced "
    "their initial password and set up two-step sign-in in the console)",
)
@bp.alt_response(404, schema="Error", description="Unknown tenant")
@bp.alt_response(422, schema="Error", description="The body does not match the schema")
@bp.alt_response(423, schema="Error", description="account_locked, with the unlock time")
@bp.alt_response(429, schema="Error", description="Too many attempts (per IP, per login)")
@bp.doc(
    operationId="createToken",
    **links(
        201,
        me=link("getMe", "Who the new token belongs to", **BEARING),
        bookings=link("listBookings", "A resident's bookings", **BEARING),
        revoke=link("revokeToken", "Sign out with the new token", **BEARING),
    ),
)
@access(PUBLIC)
@login_limits
def create_token(body: dict[str, Any]) -> Any:
    """Sign in and get a bearer token (residents; staff with their TOTP code)."""
    now = datetime.now(UTC)
    record, problem = _sign_in(body, now)
    if problem is not None:
        return problem
    token, expires = issue_token(db.session(), body["kind"], record.id, now)
    db.session.commit()
    return {"token": token, "expires_at": expires, "kind": body["kind"]}


@bp.delete("/tokens/current")
@bp.response(204)
@bp.alt_response(401, schema="Error", description="No valid bearer token")
@bp.alt_response(404, schema="Error", description="Unknown tenant")
@bp.doc(security=BEARER, operationId="revokeToken")
@access(RESIDENT, *ANY_STAFF)
def revoke_current() -> Any:
    """Revoke the bearer token of this request (sign out of the API)."""
    if not current_user.via_token:
        return _error(401, "unauthorized", _l("Please sign in to continue."))
    revoke_token(db.session(), _bearer(), datetime.now(UTC))
    db.session.commit()
    return None


@bp.get("/me")
@bp.response(200, MeSchema)
@bp.alt_response(401, schema="Error", description="No valid bearer token")
@bp.alt_response(404, schema="Error", description="Unknown tenant")
@bp.doc(security=BEARER, operationId="getMe")
@access(RESIDENT, *ANY_STAFF)
def me() -> Any:
    """Who the bearer token belongs to (to check a token)."""
    if not current_user.via_token:
        return _error(401, "unauthorized", _l("Please sign in to continue."))
    return {
        "kind": current_user.kind,
        "login": current_user.record.login,
        "role": current_user.role,
    }


def _bearer() -> str:
    return request.headers.get("Authorization", "")[7:].strip()
