"""Values that cross the plugin boundary for booking policy (rules, fees, payment, refunds).

Plain frozen dataclasses, like :mod:`shisetsu.plugins.types`: a booking plugin sees the
facts it decides on and nothing it could change. Money is whole yen (``int``); refunds
are whole percentages, so no float ever touches a fee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SlotFacts:
    """One slot of a request (or a full-day set): code, names, local start and end."""

    code: str
    ja: str
    en: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class RoomFacts:
    """The room asked for; ``key`` (``"facility/room"``) is how fee tables name it."""

    id: int
    facility: str
    code: str
    slot_scheme: str
    capacity: int

    @property
    def key(self) -> str:
        """``"<facility code>/<room code>"``, e.g. ``"history-museum/auditorium"``."""
        return f"{self.facility}/{self.code}"


@dataclass(frozen=True)
class GroupBookingFacts:
    """The booking group as rules see it: category and how much it already holds.

    ``bookings_in_month`` counts the group's active bookings whose use date falls in the
    same calendar month as the request; ``unpaid`` counts its bookings with a fee still
    to pay. Neither includes the request itself.
    """

    id: int
    category: str
    resident: bool
    valid_until: dt.date | None
    bookings_in_month: int = 0
    unpaid: int = 0


@dataclass(frozen=True)
class BookingRequest:
    """What is being booked, when it is asked, and by whom (a member online or staff).

    ``slots`` are the individual slots in time order; ``full_day`` is set when they form
    one of the room's full-day sets (全日). ``holiday_rates`` is True on weekends and
    national holidays (fees and slot lists differ). ``reduction`` is a 減免 code staff
    chose at the counter.
    """

    date: dt.date
    slots: tuple[SlotFacts, ...]
    attendees: int | None
    purpose: str
    today: dt.date
    now: dt.datetime
    holiday_rates: bool
    full_day: SlotFacts | None = None
    by_staff: bool = False
    reduction: str | None = None


@dataclass(frozen=True)
class FeeItem:
    """One line of a fee: a slot, a set, or a reduction (negative ``amount``)."""

    code: str
    ja: str
    en: str
    amount: int
    quantity: int = 1
    unit: int | None = None

    def label(self, locale: str = "ja") -> str:
        """The line's text in ``locale`` (Japanese unless English)."""
        return self.en if locale.lower().startswith("en") else self.ja

    def to_dict(self) -> dict[str, Any]:
        """JSON shape, stored with the booking and returned by the API."""
        return {
            "code": self.code,
            "label": {"ja": self.ja, "en": self.en},
            "quantity": self.quantity,
            "unit": self.unit,
            "amount": self.amount,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeeItem:
        """The inverse of :meth:`to_dict`."""
        label = data.get("label") or {}
        return cls(
            code=str(data["code"]),
            ja=str(label.get("ja", "")),
            en=str(label.get("en", "")),
            amount=int(data["amount"]),
            quantity=int(data.get("quantity") or 1),
            unit=None if data.get("unit") is None else int(data["unit"]),
        )


@dataclass(frozen=True)
class FeeBreakdown:
    """An itemised fee; ``sample`` marks a fee table the operator has not confirmed yet."""

    items: tuple[FeeItem, ...] = ()
    sample: bool = False

    @property
    def total(self) -> int:
        """What is owed in yen (never negative)."""
        return max(0, sum(item.amount for item in self.items))


@dataclass(frozen=True)
class ReductionChoice:
    """A fee reduction (減免) staff may grant at the counter after checking documents."""

    code: str
    ja: str
    en: str
    percent: int

    def label(self, locale: str = "ja") -> str:
        """The reduction's name in ``locale``."""
        return self.en if locale.lower().startswith("en") else self.ja


@dataclass(frozen=True)
class PaymentTerms:
    """When the fee must be paid and from when a reminder goes out (None: nothing to pay)."""

    due: dt.date | None
    remind_from: dt.date | None = None


@dataclass(frozen=True)
class RefundFacts:
    """A booking being cancelled: its use date and start, and what was paid."""

    date: dt.date
    starts_at: dt.datetime
    fee_total: int
    paid: bool


@dataclass(frozen=True)
class RefundRule:
    """The refund that applies: a whole percentage and the rule in both languages."""

    percent: int
    ja: str
    en: str

    def __post_init__(self) -> None:
        """A percentage outside 0..100 is a plugin bug, not a policy."""
        if not 0 <= self.percent <= 100:
            raise ValueError("refund percent must be between 0 and 100")

    def amount(self, paid: int) -> int:
        """The refund of ``paid`` yen, rounded down to the yen."""
        return paid * self.percent // 100

    def label(self, locale: str = "ja") -> str:
        """The rule's text in ``locale``."""
        return self.en if locale.lower().startswith("en") else self.ja
