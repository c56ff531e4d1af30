"""The daily processing list (日別処理状況リスト) as rows, CSV and PDF; PDF rendering.

The list is what the counter processed on one local day: bookings taken (online or at
the counter), payments received and cancellations (with refunds), in time order, with
totals — what a designated manager reconciles the till against. CSV (written by
:mod:`shisetsu.spreadsheets`) comes as UTF-8 with a BOM or as cp932; PDFs are rendered
by WeasyPrint from HTML with an A4 print stylesheet and Japanese fonts.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from shisetsu.booking.display import describe_slots, room_name
from shisetsu.booking.models import BY_AUTO, Booking
from shisetsu.printing import wareki
from shisetsu.spreadsheets import Cell
from shisetsu.tenancy.config import TenantConfig

NEW, PAYMENT, CANCELLATION = "booking", "payment", "cancellation"
KIND_LABELS: dict[str, LazyString] = {
    NEW: _l("Booking"),
    PAYMENT: _l("Payment"),
    CANCELLATION: _l("Cancellation"),
}


@dataclass(frozen=True)
class DailyRow:
    """One processing event of the day."""

    at: dt.datetime
    kind: str
    booking: Booking
    amount: int
    handler: str
    note: str

    @property
    def kind_label(self) -> str:
        """The event's name in the current language."""
        return str(KIND_LABELS[self.kind])


@dataclass
class DailyList:
    """A day's rows and totals."""

    day: dt.date
    rows: list[DailyRow] = field(default_factory=list)

    def count(self, kind: str) -> int:
        """How many events of ``kind``."""
        return sum(1 for row in self.rows if row.kind == kind)

    @property
    def received(self) -> int:
        """Fees received this day."""
        return sum(row.amount for row in self.rows if row.kind == PAYMENT)

    @property
    def refunded(self) -> int:
        """Refunds owed for this day's cancellations."""
        return -sum(row.amount for row in self.rows if row.kind == CANCELLATION)

    @property
    def net(self) -> int:
        """Received minus refunded."""
        return self.received - self.refunded


def _bounds(day: dt.date, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def _who(staff: object | None, web: str) -> str:
    return str(getattr(staff, "display_name", None) or web)


def daily_list(session: Session, config: TenantConfig, day: dt.date) -> DailyList:
    """Everything processed on local ``day``, in time order (one query)."""
    zone = zoneinfo.ZoneInfo(config.timezone)
    start, end = _bounds(day, zone)

    def within(column: Any) -> sa.ColumnElement[bool]:
        return sa.and_(column >= start, column < end)

    query = sa.select(Booking).where(
        sa.or_(within(Booking.created_at), within(Booking.paid_at), within(Booking.cancelled_at))
    )
    web, auto = str(_l("Online")), str(_l("Automatic"))
    reduction_label, override_label = str(_l("Reduction")), str(_l("Override"))
    result = DailyList(day)
    for b in session.scalars(query.order_by(Booking.id)):
        if start <= b.created_at < end:
            parts = []
            if b.reduction_code:
                parts.append(f"{reduction_label}: {b.reduction_code}")
            if b.override_reason:
                parts.append(f"{override_label}: {b.override_reason}")
            note = "; ".join(parts)
            row = DailyRow(b.created_at, NEW, b, b.fee_total, _who(b.staff, web), note)
            result.rows.append(row)
        if b.paid_at is not None and start <= b.paid_at < end:
            handler = _who(b.paid_by, web)
            row = DailyRow(b.paid_at, PAYMENT, b, b.paid_amount or 0, handler, b.receipt_no or "")
            result.rows.append(row)
        if b.cancelled_at is not None and start <= b.cancelled_at < end:
            handler = auto if b.cancelled_by == BY_AUTO else _who(b.cancelled_by_staff, web)
            row = DailyRow(
                b.cancelled_at,
                CANCELLATION,
                b,
                -(b.refund_amount or 0),
                handler,
                b.cancel_reason or "",
            )
            result.rows.append(row)
    result.rows.sort(key=lambda r: (r.at, r.booking.id))
    return result


def csv_rows(config: TenantConfig, daily: DailyList, locale: str) -> list[list[Cell]]:
    """Header and one line per event (the current locale's headings)."""
    zone = zoneinfo.ZoneInfo(config.timezone)
    header = [
        str(_l("Time")),
        str(_l("Kind")),
        str(_l("Booking number")),
        str(_l("Group")),
        str(_l("Room")),
        str(_l("Use date")),
        str(_l("Time slots")),
        str(_l("Amount (yen)")),
        str(_l("Handled by")),
        str(_l("Remarks")),
    ]
    lines: list[list[Cell]] = [list(header)]
    for row in daily.rows:
        b = row.booking
        lines.append(
            [
                row.at.astimezone(zone).strftime("%H:%M"),
                row.kind_label,
                b.number,
                b.group.name,
                room_name(b, locale),
                b.date.isoformat(),
                describe_slots(config, b, locale),
                row.amount,
                row.handler,
                row.note,
            ]
        )
    return lines


def print_date(day: dt.date, locale: str) -> str:
    """A date on printed forms: 和暦 in Japanese, ISO in English."""
    return wareki(day) if not locale.lower().startswith("en") else day.isoformat()
