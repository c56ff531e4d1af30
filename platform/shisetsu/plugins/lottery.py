"""Values that cross the plugin boundary for the lottery: the calendar and the draw.

:class:`RoundSchedule` is what a ``lottery_calendar`` plugin returns: plain data (no
Flask, no SQLAlchemy), so the calendar plugin can be written and tested alone. All
datetimes are timezone-aware (the tenant's local time, Asia/Tokyo).

The draw's values are the standard-library engine's (``shisetsu.lottery.engine``:
``PolicySpec``, ``DrawInput``, ``DrawResult``), which sits above this package; the hooks
name them through the protocols below, which say what a policy plugin may rely on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class LotteryPolicy(Protocol):
    """What ``lottery_policy`` answers (the engine's ``PolicySpec``): name and parameters."""

    @property
    def name(self) -> str: ...

    @property
    def params(self) -> Mapping[str, int]: ...


class DrawRequest(Protocol):
    """What ``draw_lottery`` is asked (the engine's ``DrawInput``): a round as frozen."""

    @property
    def round_id(self) -> str: ...

    @property
    def policy(self) -> str: ...

    @property
    def params(self) -> Mapping[str, int]: ...


class DrawAnswer(Protocol):
    """What ``draw_lottery`` answers (the engine's ``DrawResult``): who won which slot."""

    @property
    def round_id(self) -> str: ...

    @property
    def policy(self) -> str: ...

    @property
    def allocation(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class RoundSchedule:
    """When a round that opens in ``month`` runs, and who may enter it (docs/domain.md).

    ``usage_month`` is the first day of the month whose slots are drawn (e.g. M+2);
    ``closes_at`` is the end of the application window (exclusive); wins not confirmed by
    ``confirm_deadline`` are released; ``first_come_at`` is when every slot still free
    opens first come, and ``first_come_by_category`` the later openings for some group
    categories, if the tenant staggers them. ``allowed_categories`` (empty: every
    category) and ``facility_categories`` (facility code → the categories that may enter
    its rooms, e.g. outdoor grounds: resident groups only) say who may enter.
    ``early_action_approval``: closing or drawing before the published time needs a
    second staff member's approval.
    """

    usage_month: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime
    draw_at: dt.datetime
    confirm_deadline: dt.datetime
    first_come_at: dt.datetime
    first_come_by_category: dict[str, dt.datetime] = field(default_factory=dict)
    entries_per_group: int = 5
    allowed_categories: tuple[str, ...] = ()
    facility_categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    early_action_approval: bool = False

    def category_may_enter(self, category: str, facility_code: str | None = None) -> bool:
        """Whether a group of ``category`` may enter (a room of ``facility_code``)."""
        if self.allowed_categories and category not in self.allowed_categories:
            return False
        limited = self.facility_categories.get(facility_code or "")
        return not limited or category in limited
