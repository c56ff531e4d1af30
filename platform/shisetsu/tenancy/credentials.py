"""Passwords of the per-tenant login roles: derived when needed, never stored.

A role's password is an HMAC of its name under ``DATABASE_ROLE_SECRET``. The app derives it
when it opens that role's pool; provisioning derives it to set the role's SCRAM-SHA-256
verifier, computed here so the password itself never reaches the server or its logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

SCRAM_ITERATIONS = 4096  # PostgreSQL's own default


class MissingRoleSecret(RuntimeError):
    """``DATABASE_ROLE_SECRET`` is empty, so no tenant role password can be derived."""


def role_password(secret: str, role: str) -> str:
    """The password of ``role``: HMAC-SHA256 of its name under ``secret`` (64 hex digits)."""
    if not secret:
        raise MissingRoleSecret(
            "set SHISETSU_DATABASE_ROLE_SECRET: the tenants' database passwords derive from it"
        )
    message = f"shisetsu database role:{role}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def scram_verifier(
    password: str, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS
) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802, 7677).

    The password is ASCII (hex digits), so SASLprep leaves it unchanged.
    """
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def verifier_matches(verifier: str, password: str) -> bool:
    """True when ``verifier`` (as stored in ``pg_authid``) accepts ``password``."""
    try:
        method, rest = verifier.split("$", 1)
        head, _keys = rest.split("$", 1)
        iterations, salt = head.split(":", 1)
        expected = scram_verifier(password, base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return method == "SCRAM-SHA-256" and hmac.compare_digest(expected, verifier)
