"""The JSON API under /api/v1 (flask-smorest: OpenAPI 3 from the same schemas that validate)."""

from flask import Flask, current_app, request
from flask_smorest import Api

from shisetsu.api.availability import bp as availability_bp
from shisetsu.api.bookings import bp as bookings_bp
from shisetsu.api.core import bp as core_bp
from shisetsu.api.facilities import bp as facilities_bp
from shisetsu.api.lottery import bp as lottery_bp
from shisetsu.api.schemas import ErrorSchema
from shisetsu.api.tokens import bp as tokens_bp
from shisetsu.auth.access import PUBLIC, check
from shisetsu.extensions import csrf
from shisetsu.tenancy.names import SLUG_RE

API_BLUEPRINTS = (
    core_bp,
    facilities_bp,
    tokens_bp,
    availability_bp,
    bookings_bp,
    lottery_bp,
)

# Documents the ``<tenant>`` of every blueprint under /api/v1/<tenant> (instead of a bare
# "string"), so clients and schemathesis know what a slug looks like.
TENANT_PARAMETER = {
    "in": "path",
    "name": "tenant",
    "required": True,
    "description": "Operator slug, as listed by /api/v1/tenants; an unknown one is a 404.",
    "schema": {"type": "string", "pattern": SLUG_RE.pattern, "example": "genkikan"},
}


def register(app: Flask) -> None:
    """Configure the OpenAPI document and register every API blueprint."""
    app.config.update(
        API_TITLE="Shisetsu API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = ShisetsuApi(app)
    # Operations that take a token from POST /api/v1/<tenant>/tokens declare it with
    # @bp.doc(security=[{"bearerAuth": []}]).
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in API_BLUEPRINTS:
        tenant_scoped = "<tenant>" in (blueprint.url_prefix or "")
        api.register_blueprint(blueprint, parameters=[TENANT_PARAMETER] if tenant_scoped else None)
        csrf.exempt(blueprint)  # the API authenticates with bearer tokens, not cookies
    app.before_request(token_first)


API_NAMES = frozenset(blueprint.name for blueprint in API_BLUEPRINTS)


def token_first() -> None:
    """Check who calls an API operation before its body or query is read or validated.

    A caller without a valid token learns nothing about the body's shape (401, not 400/422)
    and costs no parsing. Each view keeps its own @access check; this runs it earlier.
    """
    if request.blueprint not in API_NAMES or request.endpoint is None:
        return
    rules = getattr(current_app.view_functions[request.endpoint], "access", None)
    if rules is not None and PUBLIC not in rules:
        check(rules)


class ShisetsuApi(Api):
    """flask-smorest's Api, one per app, leaving error rendering to shisetsu.errors."""

    ERROR_SCHEMA = ErrorSchema  # documented as the "Error" component

    def _register_error_handlers(self) -> None:
        # shisetsu.errors renders every HTTP error, JSON under /api/ and pages elsewhere.
        pass
