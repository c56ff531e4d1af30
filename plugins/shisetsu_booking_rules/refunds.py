"""Refunds on cancellation from a schedule of days before the use date [sample].

Tiers are checked from the most days down: with the sample ``7 → 100 %, 2 → 50 %``, a
cancellation 7 or more days before the use date refunds everything, 2 to 6 days before
refunds half, later nothing. Days are counted on local dates (Asia/Tokyo). A tenant whose
rule is "paid fees are not refunded" (既納の使用料は還付しない) sets no tiers.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shisetsu.plugins import hookimpl
from shisetsu.plugins.booking import RefundFacts, RefundRule


class Tier(BaseModel):
    """Cancelled at least ``days_before`` days before the use date: ``percent`` back."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    days_before: int = Field(ge=0)
    percent: int = Field(ge=0, le=100)


class RefundSchedule:
    """The refund schedule, parameterised per tenant."""

    class Params(BaseModel):
        """Parameters from ``tenant.toml``; strict, since TOML values are typed."""

        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

        tiers: list[Tier] = [Tier(days_before=7, percent=100), Tier(days_before=2, percent=50)]
        otherwise_percent: int = Field(default=0, ge=0, le=100)

        @model_validator(mode="after")
        def _distinct_days(self) -> RefundSchedule.Params:
            days = [t.days_before for t in self.tiers]
            if len(set(days)) != len(days):
                raise ValueError("each days_before may appear once")
            return self

    def __init__(self, params: Params | None = None) -> None:
        self.params = params if params is not None else self.Params()

    @hookimpl
    def refund_ratio(self, booking: RefundFacts, when: dt.datetime) -> RefundRule:
        """Return the tier that applies to cancelling ``booking`` at ``when``."""
        local = when.astimezone(booking.starts_at.tzinfo).date()
        days = (booking.date - local).days
        for tier in sorted(self.params.tiers, key=lambda t: -t.days_before):
            if days >= tier.days_before:
                return RefundRule(
                    tier.percent,
                    f"利用日の{tier.days_before}日前まで：{tier.percent}%還付",
                    f"Up to {tier.days_before} days before the use date: {tier.percent}% refunded",
                )
        percent = self.params.otherwise_percent
        nearest = min((t.days_before for t in self.params.tiers), default=None)
        if nearest is None:
            return RefundRule(percent, f"{percent}%還付", f"{percent}% refunded")
        return RefundRule(
            percent,
            f"利用日の{nearest}日前を過ぎた取消：{percent}%還付",
            f"Cancelled less than {nearest} days before the use date: {percent}% refunded",
        )
