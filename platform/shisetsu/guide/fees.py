"""A room's fee table for the public page, asked of the tenant's fee plugin.

There is no separate "list your rates" hook: each slot (and full-day set) is priced by
``compute_fee`` exactly as a booking would be, on a weekday and on a weekend/holiday, for
each group category. Categories that pay the same are shown as one column; the
reductions (減免) staff may grant come from ``fee_reductions``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pluggy

from shisetsu.booking import policy
from shisetsu.facilities.models import Room
from shisetsu.plugins.booking import (
    BookingRequest,
    FeeBreakdown,
    GroupBookingFacts,
    ReductionChoice,
    SlotFacts,
)
from shisetsu.tenancy.config import LocalizedText, SlotDef, TenantConfig

_DAY = dt.date(2000, 1, 1)
"""Only the time of day of a priced slot matters; the day is a placeholder."""


@dataclass
class FeeRow:
    """One slot or set: its name and times, and per category column (weekday, holiday)."""

    name: LocalizedText
    times: str | None
    amounts: list[tuple[int | None, int | None]]


@dataclass
class FeeTable:
    """A room's fees: columns by category group, rows by slot, and the reductions."""

    columns: list[list[str]]
    """Category codes sharing each column (one column when every category pays the same)."""
    rows: list[FeeRow] = field(default_factory=list)
    sample: bool = False
    reductions: list[ReductionChoice] = field(default_factory=list)

    def labels(self, names: dict[str, str], separator: str) -> list[str]:
        """Each column's category names joined (``区民団体・区外団体``)."""
        return [separator.join(names.get(code, code) for code in col) for col in self.columns]

    @property
    def priced(self) -> bool:
        """False when no plugin prices this room (the booking is free)."""
        return any(a is not None for row in self.rows for pair in row.amounts for a in pair)


def _facts(code: str, name: LocalizedText, start: dt.time, end: dt.time) -> SlotFacts:
    return SlotFacts(
        code, name.ja, name.en, dt.datetime.combine(_DAY, start), dt.datetime.combine(_DAY, end)
    )


def _price(
    pm: pluggy.PluginManager,
    room: Room,
    category: GroupBookingFacts,
    slots: tuple[SlotFacts, ...],
    full: SlotFacts | None,
    holiday: bool,
) -> FeeBreakdown | None:
    now = dt.datetime.combine(_DAY, dt.time(9))
    request = BookingRequest(
        date=_DAY,
        slots=slots,
        attendees=1,
        purpose="",
        today=_DAY,
        now=now,
        holiday_rates=holiday,
        full_day=full,
    )
    try:
        return policy.quote_fee(pm, request, policy.room_facts(room), category)
    except LookupError:  # the table has no rate for this slot
        return None


def fee_table(config: TenantConfig, pm: pluggy.PluginManager, room: Room) -> FeeTable:
    """The fee of every slot and set of ``room``, weekday and weekend/holiday, by category."""
    scheme = config.slot_schemes.get(room.slot_scheme)
    if scheme is None:
        return FeeTable(columns=[])
    weekday = {sd.code: sd for sd in scheme.weekday}
    holiday = {sd.code: sd for sd in (scheme.holiday or scheme.weekday)}
    defs: dict[str, SlotDef] = {**weekday, **holiday}
    categories = [GroupBookingFacts(0, c.code, c.resident, None) for c in config.group_categories]
    sample = False
    per_category: dict[str, list[tuple[int | None, int | None]]] = {}
    rows: list[tuple[LocalizedText, str | None]] = []
    plans: list[tuple[tuple[SlotFacts, ...], SlotFacts | None, bool, bool]] = []
    for code in sorted(defs, key=lambda c: defs[c].start):
        sd = defs[code]
        facts = (_facts(code, sd.name, sd.start, sd.end),)
        rows.append((sd.name, f"{sd.start:%-H:%M}–{sd.end:%-H:%M}"))
        plans.append((facts, None, code in weekday, code in holiday))
    for full in scheme.full_day:
        members = [weekday.get(c) for c in full.slots]
        present = [m for m in members if m is not None]
        if not present:
            continue
        slots = tuple(_facts(m.code, m.name, m.start, m.end) for m in present)
        whole = _facts(full.code, full.name, present[0].start, present[-1].end)
        rows.append((full.name, None))
        plans.append((slots, whole, len(present) == len(members), True))
    for category in categories:
        amounts: list[tuple[int | None, int | None]] = []
        for members_facts, set_facts, on_weekday, on_holiday in plans:
            pair: list[int | None] = []
            for is_holiday, offered in ((False, on_weekday), (True, on_holiday)):
                fee = (
                    _price(pm, room, category, members_facts, set_facts, is_holiday)
                    if offered
                    else None
                )
                sample = sample or bool(fee and fee.sample)
                pair.append(fee.total if fee is not None and fee.items else None)
            amounts.append((pair[0], pair[1]))
        per_category[category.category] = amounts
    columns: list[list[str]] = []
    for code, amounts in per_category.items():
        same = next((col for col in columns if per_category[col[0]] == amounts), None)
        if same is not None:
            same.append(code)
        else:
            columns.append([code])
    table = FeeTable(columns=columns, sample=sample, reductions=policy.reductions(pm))
    for index, (name, times) in enumerate(rows):
        table.rows.append(FeeRow(name, times, [per_category[col[0]][index] for col in columns]))
    return table
