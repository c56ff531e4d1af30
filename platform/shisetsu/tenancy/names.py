"""Tenant slugs and the database names derived from them.

Every identifier that reaches SQL is derived from a validated slug and quoted again by the
dialect's identifier preparer where it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
# First path segments the application itself uses: a tenant may not take them.
RESERVED_SLUGS = frozenset(
    {"api", "ward", "static", "healthz", "lang", "manage", "admin", "platform", "public", "login"}
)


class InvalidSlug(ValueError):
    """A tenant slug that does not match the rules; the message explains them."""


def validate_slug(slug: str) -> str:
    """Return ``slug`` if it is a usable tenant slug, else raise :class:`InvalidSlug`."""
    if not SLUG_RE.fullmatch(slug):
        raise InvalidSlug(
            f"invalid tenant slug {slug!r}: use 2-31 characters, a lowercase letter first, "
            "then lowercase letters, digits or '_'"
        )
    if slug in RESERVED_SLUGS:
        raise InvalidSlug(f"invalid tenant slug {slug!r}: reserved for the application")
    return slug


def schema_name(slug: str) -> str:
    """The PostgreSQL schema that holds a tenant's tables."""
    return f"tenant_{validate_slug(slug)}"


def role_prefix(database: str | None) -> str:
    """Roles are cluster-wide: prefix them with the database name so databases don't clash."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", (database or "shisetsu").lower())[:24]
    return cleaned if cleaned[:1].isalpha() else f"s_{cleaned}"[:24]


def role_name(prefix: str, slug: str) -> str:
    """The login role of a tenant's own connections: its schema, nothing else."""
    return f"{prefix}_t_{validate_slug(slug)}"


def ward_role_name(prefix: str, slug: str) -> str:
    """The login role the ward's console reads one tenant with (read-only, logs its views)."""
    return f"{prefix}_w_{validate_slug(slug)}"


@dataclass(frozen=True)
class BoundTenant:
    """What a session needs to serve one tenant: its slug and where its data lives."""

    slug: str
    schema: str
    role: str | None = None  # PostgreSQL only: the login role of this binding's connections
    sqlite_path: Path | None = None  # SQLite only

    def engine(self) -> sa.Engine:
        """The engine serving this tenant: its role's pool on PostgreSQL, its file on SQLite."""
        from shisetsu.tenancy.engines import tenant_engine  # engines builds on this module

        return tenant_engine(self)
