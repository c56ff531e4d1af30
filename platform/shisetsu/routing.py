"""URL converters."""

from typing import Any

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1
# No list has this many pages; a larger ``?page=`` would overflow the database's OFFSET.
MAX_PAGE = 100_000


def page_number(raw: int | None, last: int = MAX_PAGE) -> int:
    """A ``?page=`` value as a page number from 1 to ``last`` (missing or bad: 1)."""
    return min(max(raw or 1, 1), last)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to 1..2**31-1: larger numbers cannot be ids, so they are a 404.

    Without the bound, SQLite raises OverflowError past 2**63 (a 500, not a "not found").
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
