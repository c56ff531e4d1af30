"""Carrying a made export from the POST to its two pages: the download link, then the
password after a second step.

The export form redirects (so a reload never makes a second export) to a page with the
download link only. The archive's password is released on another page, and only after
the handler enters a current code from their authenticator app: the file and its password
never share a screen, a cache or a history entry, and whoever finds the console open
cannot read the password without the handler's phone. Between the requests both ride in
the signed-in user's session, encrypted with a key derived from the app's secret key
(Flask's session cookie is only signed); each part is taken out when shown, so a second
visit is a 404. The password is never written to the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session

from shisetsu.exports.operations import DOWNLOAD_LIFETIME, Made

KEY = "export_reveal"


@dataclass(frozen=True)
class Link:
    """What the download page shows."""

    ledger_id: int
    token: str
    count: int


def _fernet() -> Fernet:
    secret = str(current_app.secret_key or "").encode()
    digest = hashlib.sha256(b"shisetsu.exports.reveal\0" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _seal(data: dict[str, Any]) -> None:
    session[KEY] = _fernet().encrypt(json.dumps(data).encode()).decode()


def _open(slug: str, ledger_id: int) -> dict[str, Any] | None:
    """The stash of export ``ledger_id`` of ``slug`` if it is there and still young."""
    sealed = session.get(KEY)
    if not isinstance(sealed, str):
        return None
    try:
        data = json.loads(_fernet().decrypt(sealed.encode()))
    except (InvalidToken, ValueError):
        session.pop(KEY, None)
        return None
    if int(data.get("expires", 0)) < time.time():
        session.pop(KEY, None)
        return None
    if data.get("slug") != slug or data.get("ledger") != ledger_id:
        return None
    return dict(data)


def remember(made: Made, slug: str) -> None:
    """Keep ``made`` for the next pages of this session (replacing an unseen earlier one)."""
    _seal(
        {
            "slug": slug,
            "ledger": made.ledger.id,
            "token": made.token,
            "password": made.password,
            "count": made.ledger.record_count,
            "expires": int(time.time() + DOWNLOAD_LIFETIME.total_seconds()),
        }
    )


def take_link(slug: str, ledger_id: int) -> Link | None:
    """The download link of export ``ledger_id``, removed from the session (the password
    stays for its own page); None when already shown, too old, or not this tenant's."""
    data = _open(slug, ledger_id)
    if data is None or not data.get("token"):
        return None
    token = str(data.pop("token"))
    _seal(data)
    return Link(ledger_id, token, int(data["count"]))


def password_waiting(slug: str, ledger_id: int) -> bool:
    """Whether the password of export ``ledger_id`` can still be shown."""
    data = _open(slug, ledger_id)
    return data is not None and bool(data.get("password"))


def take_password(slug: str, ledger_id: int) -> str | None:
    """The password of export ``ledger_id``, removed from the session with everything else
    of it; None when already shown, too old, or not this tenant's."""
    data = _open(slug, ledger_id)
    if data is None or not data.get("password"):
        return None
    session.pop(KEY, None)
    return str(data["password"])
