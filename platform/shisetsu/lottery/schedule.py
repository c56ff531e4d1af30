"""The value a tenant's ``lottery_calendar`` plugin returns: one month's round schedule.

Plain data (no Flask, no SQLAlchemy), so the calendar plugin can be written and tested
alone. All datetimes are timezone-aware (the tenant's local time, Asia/Tokyo).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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

    def category_may_enter(self, category: str, facility_code: str | None = None) -> bool:
        """Whether a group of ``category`` may enter (a room of ``facility_code``)."""
        if self.allowed_categories and category not in self.allowed_categories:
            return False
        limited = self.facility_categories.get(facility_code or "")
        return not limited or category in limited
