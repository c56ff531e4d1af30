"""Who may book what, and when the fee is due [sample values unless tenant.toml says verified].

Rules (docs/domain.md): a booking horizon by group category (resident groups may book earlier),
a cap on bookings per group per month, a cap on unpaid bookings, the room's capacity, a
purpose, and a use date inside the group's registration. Every broken rule is reported,
so the applicant sees all reasons at once.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from shisetsu.dates import add_months_clamped
from shisetsu.plugins import Violation, hookimpl
from shisetsu.plugins.booking import (
    BookingRequest,
    FeeBreakdown,
    GroupBookingFacts,
    PaymentTerms,
    RoomFacts,
)


def _jp_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class BookingRules:
    """Booking rules and payment terms, parameterised per tenant."""

    class Params(BaseModel):
        """Parameters from ``tenant.toml``; strict, since TOML values are typed."""

        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

        horizon_months: dict[str, int] = {}
        """Months ahead a group of each category may book (category code → months)."""
        default_horizon_months: int = Field(default=2, ge=0)
        monthly_cap: int | None = Field(default=4, ge=1)
        """Active bookings per group whose use date falls in one calendar month."""
        unpaid_cap: int | None = Field(default=3, ge=1)
        purpose_required: bool = True
        payment_due_days_before: int = Field(default=7, ge=0)
        """The fee is due this many days before the use date …"""
        payment_grace_days: int = Field(default=3, ge=0)
        """… but never sooner than this many days after booking (nor after the use date)."""
        reminder_days_before: int = Field(default=3, ge=0)

    def __init__(self, params: Params | None = None) -> None:
        self.params = params if params is not None else self.Params()

    def horizon(self, category: str) -> int:
        """Months ahead a group of ``category`` may book."""
        return self.params.horizon_months.get(category, self.params.default_horizon_months)

    @hookimpl
    def booking_opens_on(self, date: dt.date, category: str | None) -> dt.date:
        """The day the horizon of ``category`` (None: the longest) reaches ``date``."""
        if category is None:
            months = max([self.params.default_horizon_months, *self.params.horizon_months.values()])
        else:
            months = self.horizon(category)
        return add_months_clamped(date, -months)

    @hookimpl
    def check_booking(
        self, request: BookingRequest, room: RoomFacts, group: GroupBookingFacts
    ) -> list[Violation]:
        """Return every rule ``request`` breaks."""
        p = self.params
        out: list[Violation] = []
        months = self.horizon(group.category)
        if request.date > add_months_clamped(request.today, months):
            opens = add_months_clamped(request.date, -months)
            out.append(
                Violation(
                    code="beyond_horizon",
                    ja=(
                        f"この団体の区分は利用日の{months}か月前から予約できます。"
                        f"この日の予約は{_jp_date(opens)}から受け付けます。"
                    ),
                    en=(
                        f"Groups of this category can book {months} months ahead. "
                        f"Bookings for this day open on {opens.isoformat()}."
                    ),
                    field="slots",
                )
            )
        if group.valid_until is not None and request.date > group.valid_until:
            out.append(
                Violation(
                    code="after_registration",
                    ja=(
                        f"利用日が団体登録の有効期限（{_jp_date(group.valid_until)}）より後です。"
                        "登録を更新してから予約してください。"
                    ),
                    en=(
                        "The use date is after the group's registration ends "
                        f"({group.valid_until.isoformat()}). Renew the registration first."
                    ),
                    field="slots",
                )
            )
        if p.monthly_cap is not None and group.bookings_in_month >= p.monthly_cap:
            out.append(
                Violation(
                    code="monthly_cap",
                    ja=f"1団体が同じ月に予約できるのは{p.monthly_cap}件までです。",
                    en=f"A group can hold at most {p.monthly_cap} bookings in one month.",
                    field="slots",
                )
            )
        if p.unpaid_cap is not None and group.unpaid >= p.unpaid_cap:
            out.append(
                Violation(
                    code="unpaid_cap",
                    ja=(
                        f"使用料が未納の予約が{group.unpaid}件あります（上限{p.unpaid_cap}件）。"
                        "納付してから予約してください。"
                    ),
                    en=(
                        f"The group has {group.unpaid} unpaid bookings (at most "
                        f"{p.unpaid_cap}). Please pay before booking again."
                    ),
                )
            )
        if request.attendees is not None and request.attendees > room.capacity:
            out.append(
                Violation(
                    code="over_capacity",
                    ja=(
                        f"利用人数（{request.attendees}名）が定員（{room.capacity}名）を"
                        "超えています。"
                    ),
                    en=(
                        f"The number of people ({request.attendees}) exceeds the room's "
                        f"capacity ({room.capacity})."
                    ),
                    field="attendees",
                )
            )
        if p.purpose_required and not request.purpose.strip():
            out.append(
                Violation(
                    code="purpose_required",
                    ja="利用目的を入力してください。",
                    en="Please enter the purpose of use.",
                    field="purpose",
                )
            )
        return out

    @hookimpl
    def payment_terms(self, request: BookingRequest, fee: FeeBreakdown) -> PaymentTerms | None:
        """Due ``payment_due_days_before`` the use date, with a grace for late bookings."""
        if fee.total <= 0:
            return PaymentTerms(due=None)
        p = self.params
        due = request.date - dt.timedelta(days=p.payment_due_days_before)
        earliest = request.today + dt.timedelta(days=p.payment_grace_days)
        if due < earliest:
            due = min(earliest, request.date)
        return PaymentTerms(due=due, remind_from=due - dt.timedelta(days=p.reminder_days_before))
