"""The personal-data inventory (個人情報の保有状況): which personal items a tenant stores,
where, why, how they are erased, and how many records hold them now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from shisetsu.audit.models import AccessLog, Incident
from shisetsu.booking.models import Booking
from shisetsu.exports.models import PendingDownload
from shisetsu.groups.models import Group
from shisetsu.notify.models import OutboxMessage
from shisetsu.people.models import Account, Staff
from shisetsu.retention.operations import ERASED
from shisetsu.slots.models import SlotHold

Condition = Callable[[], Any]


@dataclass(frozen=True)
class Item:
    """One kind of personal data: the table and columns that hold it, and how it goes."""

    table: str
    columns: tuple[str, ...]
    description: Any  # lazy string
    erasure: Any  # lazy string
    model: Any
    holds: Condition


ITEMS = (
    Item(
        "accounts",
        ("login", "email"),
        _l("Residents' login IDs and email addresses"),
        _l("Erased with the account: on request, or after the retention period"),
        Account,
        lambda: Account.status != "deleted",
    ),
    Item(
        "groups",
        (
            "representative_name",
            "representative_address",
            "representative_phone_home",
            "representative_phone_mobile",
        ),
        _l("Representatives' names, addresses and phone numbers"),
        _l("Erased after the retention period once the registration has ended"),
        Group,
        lambda: Group.representative_name != ERASED,
    ),
    Item(
        "groups",
        (
            "contact_name",
            "contact_address",
            "contact_phone_home",
            "contact_phone_mobile",
            "contact_email",
        ),
        _l("Contact persons' names, addresses, phone numbers and email addresses"),
        _l("Erased after the retention period once the registration has ended"),
        Group,
        lambda: Group.contact_name != ERASED,
    ),
    Item(
        "bookings",
        ("purpose", "cancel_reason", "override_reason"),
        _l("Free text of bookings (purpose, reasons), which may name people"),
        _l("Erased with the group; the booking is kept anonymised for statistics"),
        Booking,
        lambda: sa.and_(Booking.purpose != ERASED, Booking.purpose != ""),
    ),
    Item(
        "slot_holds",
        ("note",),
        _l("Notes on held slots"),
        _l("Erased with the booking's group"),
        SlotHold,
        lambda: SlotHold.note.is_not(None),
    ),
    Item(
        "outbox",
        ("to_address", "subject", "body_text"),
        _l("Mail sent or waiting: address and text"),
        _l("Redacted when the person's data is erased"),
        OutboxMessage,
        lambda: OutboxMessage.subject != ERASED,
    ),
    Item(
        "staff",
        ("display_name", "email"),
        _l("Staff names and email addresses"),
        _l("Kept while the person is staff; removed staff stay for the records"),
        Staff,
        lambda: sa.true(),
    ),
    Item(
        "access_log",
        ("actor_label", "ip", "user_agent"),
        _l("Access log: login IDs (residents by number), IP addresses and browsers"),
        _l("Kept (append-only, hash-chained); holds no names, addresses or phone numbers"),
        AccessLog,
        lambda: sa.true(),
    ),
    Item(
        "incidents",
        ("data_affected", "description"),
        _l("Incident reports written by staff"),
        _l("Kept as the record of the incident"),
        Incident,
        lambda: sa.true(),
    ),
    Item(
        "export_downloads",
        ("payload",),
        _l("Encrypted exports waiting for their one download"),
        _l("Deleted on download or expiry"),
        PendingDownload,
        lambda: sa.true(),
    ),
)


@dataclass(frozen=True)
class Row:
    """One inventory line as shown: the item and how many records hold it now."""

    item: Item
    count: int


def inventory(session: Session) -> list[Row]:
    """Every personal-data item of the session's tenant with its current record count."""
    rows = []
    for item in ITEMS:
        stmt = sa.select(sa.func.count()).select_from(item.model).where(item.holds())
        rows.append(Row(item, int(session.scalar(stmt) or 0)))
    return rows
