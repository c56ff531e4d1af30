"""The JSON API under /api/v1 (flask-smorest: OpenAPI 3 from the same schemas that validate)."""

from flask import Flask
from flask_smorest import Api

from shisetsu.api.core import bp as core_bp
from shisetsu.api.facilities import bp as facilities_bp
from shisetsu.api.schemas import ErrorSchema
from shisetsu.extensions import csrf

API_BLUEPRINTS = (core_bp, facilities_bp)


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
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # the API authenticates with bearer tokens, not cookies


class ShisetsuApi(Api):
    """flask-smorest's Api, one per app, leaving error rendering to shisetsu.errors."""

    ERROR_SCHEMA = ErrorSchema  # documented as the "Error" component

    def _register_error_handlers(self) -> None:
        # shisetsu.errors renders every HTTP error, JSON under /api/ and pages elsewhere.
        pass
