"""Shisetsu: one Flask application serving several public-facility operators as tenants."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing shisetsu.plugins (from a plugin) does not build the whole web stack.
    if name == "create_app":
        from shisetsu.app import create_app

        return create_app
    raise AttributeError(name)
