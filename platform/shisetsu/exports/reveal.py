"""Carrying a made export from the POST to the page that shows its password, once.

The export form redirects (so a reload never makes a second export) to a page that shows
the password and the download link. Between the two requests they ride in the signed-in
user's session, encrypted with a key derived from the app's secret key (Flask's session
cookie is only signed); the page takes them out, so a second visit is a 404. The password
is never written to the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session

from shisetsu.exports.operations import DOWNLOAD_LIFETIME, Made

KEY = "export_reveal"


@dataclass(frozen=True)
class Reveal:
    """What the password page shows."""

    ledger_id: int
    token: str
    password: str
    count: int


def _fernet() -> Fernet:
    secret = str(current_app.secret_key or "").encode()
    digest = hashlib.sha256(b"shisetsu.exports.reveal\0" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def remember(made: Made, slug: str) -> None:
    """Keep ``made`` for the next page of this session (replacing an unseen earlier one)."""
    data = {
        "slug": slug,
        "ledger": made.ledger.id,
        "token": made.token,
        "password": made.password,
        "count": made.ledger.record_count,
    }
    session[KEY] = _fernet().encrypt(json.dumps(data).encode()).decode()


def take(slug: str, ledger_id: int) -> Reveal | None:
    """The export ``ledger_id`` of tenant ``slug``, removed from the session; None when it
    was already shown, is too old, or is not this tenant's."""
    sealed = session.get(KEY)
    if not isinstance(sealed, str):
        return None
    try:
        ttl = int(DOWNLOAD_LIFETIME.total_seconds())
        data = json.loads(_fernet().decrypt(sealed.encode(), ttl=ttl))
    except (InvalidToken, ValueError):
        session.pop(KEY, None)
        return None
    if data.get("slug") != slug or data.get("ledger") != ledger_id:
        return None
    session.pop(KEY, None)
    return Reveal(ledger_id, data["token"], data["password"], int(data["count"]))
