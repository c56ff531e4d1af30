"""Every page blueprint, registered explicitly (the API registers its own in shisetsu.api)."""

from flask import Flask

from shisetsu.errors import register_error_handlers
from shisetsu.facilities.views import bp as facilities_bp
from shisetsu.portal.views import bp as portal_bp


def register_blueprints(app: Flask) -> None:
    """Register the page blueprints and the shared error pages."""
    app.register_blueprint(portal_bp)
    app.register_blueprint(facilities_bp)
    register_error_handlers(app)
