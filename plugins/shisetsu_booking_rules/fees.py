"""Fees from a rate table: per slot (or full-day set) and room, weekday vs weekend/holiday.

A table is found by the room's key (``"facility/room"``) first, then by its slot scheme,
so one table can price every room of a scheme and one room can differ. A rate is either
one number (the same every day) or ``{ weekday, holiday }``. A category discount (e.g.
登録団体割引) and a reduction staff grant at the counter (減免) follow as negative lines,
each rounded down to the yen.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shisetsu.plugins import hookimpl
from shisetsu.plugins.booking import (
    BookingRequest,
    FeeBreakdown,
    FeeItem,
    GroupBookingFacts,
    ReductionChoice,
    RoomFacts,
    SlotFacts,
)


class Rate(BaseModel):
    """Yen per slot on weekdays and on weekends/national holidays."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    weekday: int = Field(ge=0)
    holiday: int | None = Field(default=None, ge=0)
    """None: the weekday rate applies every day."""

    def on(self, holiday: bool) -> int:
        """The rate that applies."""
        return self.holiday if holiday and self.holiday is not None else self.weekday


class Reduction(BaseModel):
    """A percentage off, with its name in both languages."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    percent: int = Field(ge=0, le=100)
    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)


class FeeTable:
    """Rate tables, category discounts and counter reductions, per tenant."""

    class Params(BaseModel):
        """Parameters from ``tenant.toml``; strict, since TOML values are typed."""

        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

        verified: list[str] = []
        """Tables whose rates the operator confirmed; any other table's fee is a sample."""
        rates: dict[str, dict[str, Rate]] = {}
        """Room key or slot-scheme code → slot or full-day set code → rate."""
        category_discounts: dict[str, Reduction] = {}
        reductions: dict[str, Reduction] = {}

    def __init__(self, params: Params | None = None) -> None:
        self.params = params if params is not None else self.Params()

    def table_key(self, room: RoomFacts) -> str | None:
        """Which table prices ``room``: its own (``"facility/room"``), its scheme's, or none."""
        for key in (room.key, room.slot_scheme):
            if key in self.params.rates:
                return key
        return None

    @hookimpl
    def fee_reductions(self) -> list[ReductionChoice]:
        """Return the reductions staff may choose at the counter."""
        return [
            ReductionChoice(code, r.ja, r.en, r.percent)
            for code, r in self.params.reductions.items()
        ]

    @hookimpl
    def compute_fee(
        self, request: BookingRequest, room: RoomFacts, group: GroupBookingFacts
    ) -> FeeBreakdown | None:
        """Return the itemised fee, or None when no table prices this room."""
        key = self.table_key(room)
        if key is None:
            return None
        table = self.params.rates[key]
        holiday = request.holiday_rates
        full = request.full_day
        if full is not None and full.code in table:
            items = [_line(full, table[full.code], holiday)]
        else:
            missing = [s.code for s in request.slots if s.code not in table]
            if missing:
                raise LookupError(f"no rate for {room.key} slot(s) {', '.join(missing)}")
            items = [_line(slot, table[slot.code], holiday) for slot in request.slots]
        subtotal = sum(item.amount for item in items)
        discount = self.params.category_discounts.get(group.category)
        if discount is not None and discount.percent:
            cut = subtotal * discount.percent // 100
            items.append(_reduction(f"discount:{group.category}", discount, cut))
            subtotal -= cut
        reduction = self.params.reductions.get(request.reduction or "")
        if reduction is not None and reduction.percent and request.reduction:
            cut = subtotal * reduction.percent // 100
            items.append(_reduction(f"reduction:{request.reduction}", reduction, cut))
        return FeeBreakdown(tuple(items), sample=key not in self.params.verified)


def _line(slot: SlotFacts, rate: Rate, holiday: bool) -> FeeItem:
    amount = rate.on(holiday)
    differs = rate.holiday is not None and rate.holiday != rate.weekday
    if not differs:
        return FeeItem(slot.code, slot.ja, slot.en, amount, 1, amount)
    day_ja, day_en = ("土日祝", "weekend/holiday") if holiday else ("平日", "weekday")
    return FeeItem(slot.code, f"{slot.ja}（{day_ja}）", f"{slot.en} ({day_en})", amount, 1, amount)


def _reduction(code: str, reduction: Reduction, cut: int) -> FeeItem:
    return FeeItem(
        code,
        f"{reduction.ja}（{reduction.percent}%）",
        f"{reduction.en} ({reduction.percent}%)",
        -cut,
    )
