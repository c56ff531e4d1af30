"""The ``lottery_calendar`` plugin: when each month's lottery round runs (docs/domain.md).

Every date is a ``tenant.toml`` parameter. The defaults are the sample calendar of
docs/domain.md: the round for usage month M+2 opens on the 1st of M at 09:00, applications are taken
until the 10th 23:59, the draw is on the 11th at 10:00, wins must be confirmed by the 20th
23:59 and every free slot opens first come on the 21st at 09:00 (later for the categories
in ``first_come_delay_days``). Who may enter: ``allowed_categories`` (empty: all) and
``facility_categories`` (facility code → categories, e.g. Regasu outdoor grounds:
resident groups only). ``early_action_approval``: staff closing or drawing a round before
its published time need a second staff member's approval. The cap on wins per group belongs
to the draw policy plugin.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shisetsu.dates import first_of_month_after
from shisetsu.plugins import hookimpl
from shisetsu.plugins.lottery import RoundSchedule

Day = Annotated[int, Field(ge=1, le=28)]
"""A day of the opening month (every month has it)."""
Hour = Annotated[int, Field(ge=0, le=23)]
"""A local hour."""


class LotteryCalendar:
    """One tenant's monthly lottery calendar and entry rules."""

    class Params(BaseModel):
        """Parameters from ``tenant.toml`` (days of the opening month, local hours)."""

        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

        timezone: str = "Asia/Tokyo"
        usage_month_offset: int = Field(default=2, ge=1, le=12)
        open_day: Day = 1
        open_hour: Hour = 9
        apply_until_day: Day = 10
        draw_day: Day = 11
        draw_hour: Hour = 10
        confirm_until_day: Day = 20
        first_come_day: Day = 21
        first_come_hour: Hour = 9
        first_come_delay_days: dict[str, int] = Field(default_factory=dict)
        entries_per_group: int = Field(default=5, ge=1, le=20)
        allowed_categories: list[str] = Field(default_factory=list)
        facility_categories: dict[str, list[str]] = Field(default_factory=dict)
        early_action_approval: bool = False

        @model_validator(mode="after")
        def _in_order(self) -> LotteryCalendar.Params:
            if not self.open_day <= self.apply_until_day < self.draw_day <= self.confirm_until_day:
                raise ValueError("the days must run open ≤ apply until < draw ≤ confirm until")
            if self.first_come_day <= self.confirm_until_day:
                raise ValueError("first_come_day must come after confirm_until_day")
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {self.timezone!r}") from exc
            return self

    def __init__(self, params: Params | None = None) -> None:
        self.params = params if params is not None else self.Params()

    @hookimpl
    def lottery_calendar(self, month: dt.date) -> RoundSchedule:
        """The schedule of the round that opens in ``month`` (any day of it)."""
        p = self.params
        zone = zoneinfo.ZoneInfo(p.timezone)
        first = month.replace(day=1)

        def at(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
            return dt.datetime.combine(first.replace(day=day), dt.time(hour, minute), zone)

        first_come = at(p.first_come_day, p.first_come_hour)
        return RoundSchedule(
            usage_month=first_of_month_after(first, p.usage_month_offset),
            opens_at=at(p.open_day, p.open_hour),
            closes_at=at(p.apply_until_day) + dt.timedelta(days=1),
            draw_at=at(p.draw_day, p.draw_hour),
            confirm_deadline=at(p.confirm_until_day) + dt.timedelta(days=1),
            first_come_at=first_come,
            first_come_by_category={
                code: first_come + dt.timedelta(days=days)
                for code, days in sorted(p.first_come_delay_days.items())
            },
            entries_per_group=p.entries_per_group,
            allowed_categories=tuple(p.allowed_categories),
            facility_categories={k: tuple(v) for k, v in p.facility_categories.items()},
            early_action_approval=p.early_action_approval,
        )
