"""The hash chain the access logs and the deletion certificates share.

A link's hash is ``sha256(prev_hash + "\\n" + canonical JSON of its content)``; the first
link's ``prev_hash`` is a genesis value derived from what the chain holds and its scope
(a tenant slug, or ``platform``), so one scope's chain cannot be passed off as another's.
The canonical text (sorted keys, no whitespace, times in UTC to the microsecond, dates as
ISO) must never change: stored hashes are checked against it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any


def genesis(chain: str, scope: str) -> str:
    """The ``prev_hash`` of the first link of ``chain`` (e.g. ``access log``) in ``scope``."""
    return hashlib.sha256(f"shisetsu {chain}:{scope}".encode()).hexdigest()


def plain(value: Any) -> Any:
    """``value`` as the JSON the hash covers: times in UTC, dates as ISO, else unchanged."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def plain_fields(source: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The ``names`` of ``source`` as plain JSON values (see :func:`plain`)."""
    return {name: plain(source[name]) for name in names}


def canonical(content: Mapping[str, Any]) -> str:
    """The exact text that is hashed: sorted keys, no whitespace, non-ASCII kept."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def link_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """The hash a link with ``content`` (plain values) after ``prev_hash`` must carry."""
    return hashlib.sha256(f"{prev_hash}\n{canonical(content)}".encode()).hexdigest()
