"""Calendars: one ``.ics`` per booking, and a per-group feed behind a secret URL.

Events carry ``TZID=Asia/Tokyo`` times with the VTIMEZONE included, so a calendar shows
the booking at the facility's wall-clock time wherever the phone is. Slots that follow
each other (hourly grounds) become one event; a full-day set with a lunch gap stays one
event too (gaps up to an hour are bridged). A feed lists a group's active bookings from
a month back; cancelled ones drop out, and so disappear from subscribed calendars.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Iterable

import icalendar
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.booking.display import describe_slots, room_name
from shisetsu.booking.models import ACTIVE, Booking, GroupFeed
from shisetsu.db import utcnow
from shisetsu.slots.operations import slot_defs_on
from shisetsu.tenancy.config import TenantConfig

BRIDGE = dt.timedelta(hours=1)
FEED_PAST = dt.timedelta(days=31)
TOKEN_BYTES = 24
PRODID = "-//Shisetsu//Facility booking//JA"


def _runs(
    config: TenantConfig, booking: Booking, zone: zoneinfo.ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The booking's time as runs of slots (gaps up to :data:`BRIDGE` joined)."""
    scheme = config.slot_schemes.get(booking.room.slot_scheme)
    defs = {sd.code: sd for sd in slot_defs_on(scheme, booking.date)} if scheme else {}
    spans = sorted(
        (
            dt.datetime.combine(booking.date, defs[c].start, tzinfo=zone),
            dt.datetime.combine(booking.date, defs[c].end, tzinfo=zone),
        )
        for c in booking.slot_codes
        if c in defs
    )
    if not spans:
        return [(booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone))]
    runs = [spans[0]]
    for start, end in spans[1:]:
        if start - runs[-1][1] <= BRIDGE:
            runs[-1] = (runs[-1][0], max(end, runs[-1][1]))
        else:
            runs.append((start, end))
    return runs


def _events(config: TenantConfig, booking: Booking, tenant: str) -> list[icalendar.Event]:
    zone = zoneinfo.ZoneInfo(config.timezone)
    summary = f"{room_name(booking, 'ja')}（{booking.group.name}）"
    description = "\n".join(
        [
            f"受付番号 / Booking: {booking.number}",
            describe_slots(config, booking, "ja"),
            describe_slots(config, booking, "en"),
            f"利用目的 / Purpose: {booking.purpose}",
        ]
    )
    events = []
    for n, (start, end) in enumerate(_runs(config, booking, zone)):
        event = icalendar.Event()
        event.add("uid", f"booking-{booking.id}-{n}@{tenant}.shisetsu")
        event.add("dtstamp", utcnow())
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", summary)
        event.add("location", room_name(booking, "ja"))
        event.add("description", description)
        event.add("status", "CONFIRMED" if booking.is_active else "CANCELLED")
        events.append(event)
    return events


def calendar_for(
    config: TenantConfig, bookings: Iterable[Booking], tenant: str, name: str
) -> bytes:
    """A VCALENDAR with the bookings' events and the Asia/Tokyo VTIMEZONE."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", config.timezone)
    for booking in bookings:
        for event in _events(config, booking, tenant):
            cal.add_component(event)
    cal.add_missing_timezones()
    if not cal.walk("VTIMEZONE"):  # no events: still say which zone the feed lives in
        cal.add_component(icalendar.Timezone.from_tzid(config.timezone))
    return bytes(cal.to_ical())


def booking_ics(config: TenantConfig, booking: Booking, tenant: str) -> bytes:
    """The ``.ics`` of one booking."""
    return calendar_for(config, [booking], tenant, room_name(booking, "ja"))


# --- per-group feeds ---------------------------------------------------------------------


def new_token() -> str:
    """An unguessable feed token (192 bits, URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def feed_of(session: Session, group_id: int, *, create: bool = False) -> GroupFeed | None:
    """The group's feed; created on first ask when ``create``."""
    feed = session.get(GroupFeed, group_id)
    if feed is None and create:
        feed = GroupFeed(group_id=group_id, token=new_token(), created_at=utcnow())
        session.add(feed)
        session.flush()
    return feed


def rotate_feed(session: Session, group_id: int) -> GroupFeed:
    """Give the group a new feed URL; the old one stops working at once."""
    feed = feed_of(session, group_id, create=True)
    assert feed is not None
    feed.token = new_token()
    feed.rotated_at = utcnow()
    session.flush()
    return feed


def feed_by_token(session: Session, token: str) -> GroupFeed | None:
    """The feed with ``token`` (None for anything else, including malformed tokens)."""
    if not token or len(token) > 64:
        return None
    return session.scalar(sa.select(GroupFeed).where(GroupFeed.token == token))


def feed_ics(config: TenantConfig, session: Session, feed: GroupFeed, tenant: str) -> bytes:
    """The group's calendar: its active bookings from a month ago on."""
    since = (utcnow() - FEED_PAST).date()
    bookings = session.scalars(
        sa.select(Booking)
        .where(
            Booking.group_id == feed.group_id,
            Booking.status.in_(ACTIVE),
            Booking.date >= since,
        )
        .order_by(Booking.date, Booking.starts_at)
    )
    return calendar_for(config, bookings, tenant, feed.group.name)
