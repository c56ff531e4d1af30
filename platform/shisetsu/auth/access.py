"""Declaring who may use a view: one decorator on every view, checked on every request.

``@access("public")``, ``@access("resident")``, ``@access(*OPERATIONS)`` … A test walks the
URL map and fails for any view without a declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user

from shisetsu.auth.principals import AUDITOR, RESIDENT, STAFF

PUBLIC = "public"
RESPONSIBLE, HANDLER, COUNTER = "staff:responsible", "staff:handler", "staff:counter"
# 取扱責任者 manages staff; 取扱者 runs operations; 窓口 does bookings and payments only.
STAFF_MANAGEMENT = (RESPONSIBLE,)
OPERATIONS = (RESPONSIBLE, HANDLER)
ANY_STAFF = (RESPONSIBLE, HANDLER, COUNTER)
KNOWN = frozenset({PUBLIC, RESIDENT, AUDITOR, *ANY_STAFF})

F = TypeVar("F", bound=Callable[..., Any])


def access(*allowed: str) -> Callable[[F], F]:
    """Allow only the listed principals (``public`` allows everyone)."""
    unknown = set(allowed) - KNOWN
    if not allowed or unknown:
        raise ValueError(f"access() needs known principals, got {sorted(unknown) or 'none'}")
    rules = frozenset(allowed)

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if PUBLIC not in rules:
                check(rules)
            return view(*args, **kwargs)

        guarded.access = rules  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def permits(rules: frozenset[str], kind: str, role: str) -> bool:
    """Whether a principal of ``kind``/``role`` satisfies ``rules``."""
    if PUBLIC in rules:
        return True
    if kind == STAFF:
        return f"staff:{role}" in rules
    return kind in rules


def check(rules: frozenset[str]) -> None:
    """Abort unless the current user satisfies ``rules`` (sign-in redirect when anonymous)."""
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        abort(redirect(url_for(login_endpoint(rules), next=request.full_path.rstrip("?"))))
    if not permits(rules, current_user.kind, current_user.role):
        abort(403)


def login_endpoint(rules: frozenset[str]) -> str:
    """Where an anonymous user is sent to sign in for a view with ``rules``."""
    if RESIDENT in rules:
        return "accounts.login"
    if AUDITOR in rules:
        return "ward.login"
    return "staff.login"
