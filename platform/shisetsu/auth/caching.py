"""``Cache-Control: no-store`` on everything that may carry personal data.

The rule is deliberately simple so that no page slips through: every response to a signed-in
user (session or API token), and every response under the consoles, the account pages,
exports, permits and the development mail viewer, whoever asks.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request
from flask_login import current_user

PERSONAL_PATHS = re.compile(
    r"^/[^/]+/(manage|account)(/|$)"  # manager console, resident account pages
    r"|^/ward(/|$)"  # ward audit console
    r"|^/_dev/"  # development mail viewer (reset links)
    r"|/exports?(/|$)"
    r"|/permit\.pdf$"
)


def is_personal(path: str, signed_in: bool) -> bool:
    """Whether a response to ``path`` must never be stored by a browser or proxy."""
    return signed_in or PERSONAL_PATHS.search(path) is not None


def init_app(app: Flask) -> None:
    """Mark personal responses as not to be stored."""

    @app.after_request
    def _no_store(response: Response) -> Response:
        if is_personal(request.path, bool(current_user and current_user.is_authenticated)):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
