"""Remember the personal values a request loaded, so error reports can blank them out.

A column is personal when its ``info`` says so (``mapped_column(..., info=PERSONAL)``).
While collection is on (one request, one job), every value of such a column that the ORM
loads or refreshes is kept in a context-local set; the Sentry hook replaces each of them,
wherever it appears in the event, however the text around it looks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapper

#: The ``info`` of a column holding personal data (a name, an address, a phone, an e-mail).
PERSONAL: dict[str, Any] = {"personal": True}

#: Shorter values (and name parts) are too common to blank out without ruining the event.
MIN_LENGTH = 2

_SPACES = re.compile(r"[\s\u3000]+")
_seen: ContextVar[set[str] | None] = ContextVar("shisetsu_personal_values", default=None)
_keys_by_mapper: dict[Mapper[Any], tuple[str, ...]] = {}
_installed = False


def personal_keys(mapper: Mapper[Any]) -> tuple[str, ...]:
    """The attribute names of ``mapper``'s columns marked personal (cached per mapper)."""
    keys = _keys_by_mapper.get(mapper)
    if keys is None:
        keys = tuple(
            prop.key
            for prop in mapper.column_attrs
            if any(col.info.get("personal") for col in prop.columns)
        )
        _keys_by_mapper[mapper] = keys
    return keys


def remember(value: Any) -> None:
    """Add ``value`` (and each of its space-separated parts) to the current set, if any."""
    seen = _seen.get()
    if seen is None or not isinstance(value, str):
        return
    text = value.strip()
    if len(text) >= MIN_LENGTH:
        seen.add(text)
    for part in _SPACES.split(text):
        if len(part) >= MIN_LENGTH:
            seen.add(part)


def _on_load(target: Any, *args: Any) -> None:
    if _seen.get() is None:
        return
    state = sa.inspect(target)
    loaded = state.dict
    for key in personal_keys(state.mapper):
        remember(loaded.get(key))


def install() -> None:
    """Listen to every mapper's load and refresh (idempotent)."""
    global _installed
    if _installed:
        return
    sa.event.listen(Mapper, "load", _on_load)
    sa.event.listen(Mapper, "refresh", _on_load)
    _installed = True


def start() -> None:
    """Begin collecting for the current context (a request), forgetting earlier values."""
    _seen.set(set())


def stop(*_args: Any) -> None:
    """Stop collecting and forget what was seen."""
    _seen.set(None)


@contextmanager
def collecting() -> Iterator[None]:
    """Collect personal values for the duration of the block (jobs, commands, tests)."""
    token = _seen.set(set())
    try:
        yield
    finally:
        _seen.reset(token)


def seen_values() -> list[str]:
    """The values collected so far, longest first (so a full name goes before its parts)."""
    return sorted(_seen.get() or (), key=len, reverse=True)


def blank_out(text: str, values: list[str], replacement: str) -> str:
    """Replace every occurrence of each of ``values`` in ``text``."""
    for value in values:
        if value in text:
            text = text.replace(value, replacement)
    return text
