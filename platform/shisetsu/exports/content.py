"""What each export contains: registered groups, bookings of a period, a day's processing.

Each builder returns a :class:`~shisetsu.exports.operations.Document` (CSV or PDF) that
:func:`~shisetsu.exports.operations.deliver` encrypts and records. All three carry names of
groups or representatives, so all three are personal data. The ledger's content key holds
the kind and its scope (dates, room or facility id) but never a name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from shisetsu import spreadsheets
from shisetsu.booking import exports as daily_exports
from shisetsu.booking import printing
from shisetsu.booking.display import describe_slots, room_name, status_label
from shisetsu.booking.models import Booking
from shisetsu.exports.operations import FORMATS, Document
from shisetsu.facilities.models import Facility, Room
from shisetsu.groups.models import Group
from shisetsu.printing import render_pdf
from shisetsu.spreadsheets import Cell
from shisetsu.tenancy.config import TenantConfig
from shisetsu.tenancy.models import Tenant

GROUPS, BOOKINGS, DAILY = "groups", "bookings", "daily"
# Prints only (shisetsu.exports.prints): one booking's permit, one group's registration.
PERMIT, GROUP_SHEET = "permit", "group"
BOARD = "board"  # a print of the booking board (shisetsu.board)
CONTENT_LABELS = {
    GROUPS: _l("Registered groups (with representative and contact)"),
    BOOKINGS: _l("Bookings (with group and representative)"),
    DAILY: _l("Daily processing list"),
    PERMIT: _l("Permit"),
    GROUP_SHEET: _l("One group's registration (with representative and contact)"),
    BOARD: _l("Booking board"),
}
MAX_DAYS = 366
# WeasyPrint takes seconds per few hundred table rows: longer lists are CSV's job.
PDF_MAX_ROWS = 500


class TooLongForPdf(ValueError):
    """The export has more records than a PDF made within a request can hold."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} records (a PDF holds at most {PDF_MAX_ROWS})")
        self.count = count


@dataclass(frozen=True)
class Context:
    """Who the document is for: the tenant, its configuration, the reader's language."""

    tenant: Tenant
    config: TenantConfig
    locale: str


@dataclass(frozen=True)
class BookingScope:
    """Bookings used from ``first`` to ``last`` (inclusive), in one room or facility or all."""

    first: dt.date
    last: dt.date
    facility_id: int | None = None
    room_id: int | None = None

    @property
    def key(self) -> str:
        """The ledger's content key, e.g. ``bookings:2026-04-01/2026-04-30:r12``."""
        where = f":r{self.room_id}" if self.room_id else ""
        if not where and self.facility_id:
            where = f":f{self.facility_id}"
        return f"{BOOKINGS}:{self.first.isoformat()}/{self.last.isoformat()}{where}"


def build(
    content: str, stem: str, fmt: str, rows: list[list[Cell]], pdf: Callable[[], bytes]
) -> Document:
    """``rows`` (a header and records) as CSV in ``fmt``'s encoding, or ``pdf()``
    (:class:`TooLongForPdf` past :data:`PDF_MAX_ROWS` records)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "pdf" and len(rows) - 1 > PDF_MAX_ROWS:
        raise TooLongForPdf(len(rows) - 1)
    body = pdf() if fmt == "pdf" else spreadsheets.to_csv(rows, fmt.removeprefix("csv-"))
    return Document(content, stem, fmt, body, len(rows) - 1)


def table_pdf(ctx: Context, title: str, scope: str, rows: list[list[Cell]]) -> bytes:
    """A header and records as an A4 landscape table (Japanese fonts, page numbers)."""
    html = render_template(
        "exports/print/table.html",
        tenant=ctx.tenant,
        lang=ctx.locale,
        title=title,
        scope=scope,
        header=rows[0],
        rows=rows[1:],
    )
    return render_pdf(html)


def group_rows(session: Session) -> list[list[Cell]]:
    """Header and one line per registered group, with its personal items."""
    header = [
        str(_l("Group number")),
        str(_l("Group")),
        str(_l("Category")),
        str(_l("Status")),
        str(_l("Valid from")),
        str(_l("Valid until")),
        str(_l("Representative")),
        str(_l("Representative's address")),
        str(_l("Representative's home phone")),
        str(_l("Representative's mobile phone")),
        str(_l("Contact person")),
        str(_l("Contact's address")),
        str(_l("Contact's home phone")),
        str(_l("Contact's mobile phone")),
        str(_l("Contact's email")),
        str(_l("Members")),
        str(_l("Residents")),
    ]
    lines: list[list[Cell]] = [list(header)]
    for g in session.scalars(sa.select(Group).order_by(Group.id)):
        lines.append(
            [
                g.id,
                g.name,
                g.category,
                g.status,
                g.valid_from.isoformat() if g.valid_from else "",
                g.valid_until.isoformat() if g.valid_until else "",
                g.representative_name,
                g.representative_address,
                g.representative_phone_home or "",
                g.representative_phone_mobile or "",
                g.contact_name,
                g.contact_address,
                g.contact_phone_home or "",
                g.contact_phone_mobile or "",
                g.contact_email,
                g.member_count,
                g.resident_count,
            ]
        )
    return lines


def groups_document(session: Session, ctx: Context, fmt: str) -> Document:
    """Every registered group with its representative and contact."""
    rows = group_rows(session)
    title = str(CONTENT_LABELS[GROUPS])
    return build(GROUPS, "groups", fmt, rows, lambda: table_pdf(ctx, title, "", rows))


def bookings_in(session: Session, scope: BookingScope) -> list[Booking]:
    """Bookings (cancelled ones too) used within ``scope``, by date, time and room."""
    query = (
        sa.select(Booking)
        .join(Booking.room)
        .where(Booking.date >= scope.first, Booking.date <= scope.last)
        .options(
            selectinload(Booking.group), selectinload(Booking.room).selectinload(Room.facility)
        )
        .order_by(Booking.date, Booking.starts_at, Room.facility_id, Room.position, Booking.id)
    )
    if scope.room_id is not None:
        query = query.where(Booking.room_id == scope.room_id)
    elif scope.facility_id is not None:
        query = query.where(Room.facility_id == scope.facility_id)
    return list(session.scalars(query))


def booking_rows(session: Session, ctx: Context, scope: BookingScope) -> list[list[Cell]]:
    """Header and one line per booking, with the group and its representative."""
    header = [
        str(_l("Booking number")),
        str(_l("Use date")),
        str(_l("Time slots")),
        str(_l("Room")),
        str(_l("Group number")),
        str(_l("Group")),
        str(_l("Representative")),
        str(_l("Attendees")),
        str(_l("Purpose")),
        str(_l("Status")),
        str(_l("Fee (yen)")),
        str(_l("Receipt number")),
    ]
    lines: list[list[Cell]] = [list(header)]
    for b in bookings_in(session, scope):
        lines.append(
            [
                b.number,
                b.date.isoformat(),
                describe_slots(ctx.config, b, ctx.locale),
                room_name(b, ctx.locale),
                b.group_id,
                b.group.name,
                b.group.representative_name,
                b.attendees,
                b.purpose,
                status_label(b),
                b.fee_total,
                b.receipt_no or "",
            ]
        )
    return lines


def bookings_document(session: Session, ctx: Context, scope: BookingScope, fmt: str) -> Document:
    """The bookings of a period (optionally one facility or room)."""
    rows = booking_rows(session, ctx, scope)
    stem = f"bookings-{scope.first:%Y%m%d}-{scope.last:%Y%m%d}"
    title = str(CONTENT_LABELS[BOOKINGS])
    where = scope_text(session, scope.key, ctx.locale)
    return build(scope.key, stem, fmt, rows, lambda: table_pdf(ctx, title, where, rows))


def daily_document(session: Session, ctx: Context, day: dt.date, fmt: str) -> Document:
    """The daily processing list (日別処理状況リスト) of ``day``."""
    daily = daily_exports.daily_list(session, ctx.config, day)
    rows = daily_exports.csv_rows(ctx.config, daily, ctx.locale)
    return build(
        f"{DAILY}:{day.isoformat()}",
        f"daily-{day:%Y%m%d}",
        fmt,
        rows,
        lambda: printing.daily_pdf(ctx.config, ctx.tenant, daily, ctx.locale),
    )


def scope_text(session: Session, key: str, locale: str) -> str:
    """The scope part of a content key in words: ``2026-04-01 – 2026-04-30, 講堂``."""
    parts = key.split(":")[1:]
    if not parts:
        return ""
    words = [parts[0].replace("/", " – ")]
    for part in parts[1:]:
        kind, ident = part[:1], part[1:]
        model = {"r": Room, "f": Facility}.get(kind)
        found = session.get(model, int(ident)) if model and ident.isdigit() else None
        if isinstance(found, Room):
            words.append(f"{found.facility.name(locale)} {found.name(locale)}")
        elif isinstance(found, Facility):
            words.append(found.name(locale))
    return ", ".join(words)


def describe(session: Session, key: str, locale: str) -> str:
    """A ledger content key in words: the kind's label and its scope."""
    label = CONTENT_LABELS.get(key.split(":", 1)[0])
    if label is None:
        return key
    scope = scope_text(session, key, locale)
    return f"{label} ({scope})" if scope else str(label)
