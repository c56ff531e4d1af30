"""Wiring Flask-Login to our principals: session users and API bearer tokens."""

from flask_login import LoginManager

from shisetsu.auth.principals import load_principal
from shisetsu.auth.tokens import load_from_request


def init_login_manager(manager: LoginManager) -> None:
    """Register the session loader and the bearer-token request loader."""
    manager.user_loader(load_principal)
    manager.request_loader(load_from_request)
    manager.session_protection = "basic"
