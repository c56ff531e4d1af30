"""The hook through which the lottery marks slots as ``lottery`` (抽選).

Availability asks :func:`lottery_slots` once per call for the slot ids that an open
lottery round covers; those slots, when otherwise free, show as ``lottery``. Until lottery
rounds exist no slot is in a lottery, so the default source returns an empty set.

The lottery module installs its source in the app factory with
``set_lottery_source(app, source)`` — a callable with the signature of
:func:`lottery_slots` — so nothing happens at import time and each app (and each test app)
has its own. Tests may also pass ``lottery=`` to
:func:`shisetsu.slots.operations.availability`. The same way, :func:`first_come_opens`
asks the lottery when a day opens first come: only after its month's round has been drawn
and released, at the month's first-come time (later for categories the tenant staggers);
a month whose round does not exist yet opens at the time its calendar gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from shisetsu.tenancy.config import TenantConfig

LotterySource = Callable[[Session, TenantConfig, Sequence[int], dt.date, dt.date], set[str]]
OpeningSource = Callable[
    [Session, TenantConfig, str | None, dt.date, dt.datetime], "Opening | None"
]
SOURCE_KEY = "shisetsu.lottery_source"
OPENING_KEY = "shisetsu.first_come_opening"


def no_lottery(
    session: Session, config: TenantConfig, room_ids: Sequence[int], start: dt.date, end: dt.date
) -> set[str]:
    """No slot is in a lottery (the default until lottery rounds exist)."""
    return set()


def set_lottery_source(app: Flask, source: LotterySource | None) -> None:
    """Install ``app``'s answer to :func:`lottery_slots` (None restores the default)."""
    app.extensions[SOURCE_KEY] = source or no_lottery


def lottery_slots(
    session: Session, config: TenantConfig, room_ids: Sequence[int], start: dt.date, end: dt.date
) -> set[str]:
    """Ids of slots of ``room_ids`` in ``start..end`` that an open lottery round covers.

    Runs in the caller's session, bound to the tenant ``config`` describes, and must not
    write. Return individual slot
    ids (``"<room>-<YYYYMMDD>-<code>"``), not full-day set ids.
    """
    source: LotterySource = no_lottery
    if has_app_context():
        source = current_app.extensions.get(SOURCE_KEY, no_lottery)
    return source(session, config, room_ids, start, end)


@dataclass(frozen=True)
class Opening:
    """When first come opens for a day not open yet; ``staggered``: later for a category.

    ``staggered`` is set when the round is released for everyone but the group's category
    waits longer (``first_come_delay_days``).
    """

    at: dt.datetime
    staggered: bool = False


def no_opening(
    session: Session, config: TenantConfig, category: str | None, day: dt.date, now: dt.datetime
) -> Opening | None:
    """Every day is open to first come as far as a lottery goes (the default)."""
    return None


def set_opening_source(app: Flask, source: OpeningSource | None) -> None:
    """Install ``app``'s answer to :func:`first_come_opens` (None restores the default)."""
    app.extensions[OPENING_KEY] = source or no_opening


def first_come_opens(
    session: Session, config: TenantConfig, category: str | None, day: dt.date, now: dt.datetime
) -> Opening | None:
    """When groups of ``category`` may book ``day`` first come, if the lottery says not yet.

    None when the lottery allows it at ``now`` (its round is released, or the tenant has
    no lottery). ``category`` None: when the month opens to anyone (a visitor's view).
    """
    source: OpeningSource = no_opening
    if has_app_context():
        source = current_app.extensions.get(OPENING_KEY, no_opening)
    return source(session, config, category, day, now)
