"""Display names of a certificate's triggers, counts and erased items (both languages)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from shisetsu.retention.models import REQUEST, RETENTION

TRIGGER_LABELS = {
    RETENTION: _l("Retention period ended"),
    REQUEST: _l("Requested by the person"),
}
COUNT_LABELS = {
    "groups": _l("Registered groups erased"),
    "accounts": _l("Resident accounts erased"),
    "bookings": _l("Bookings anonymised (kept for statistics)"),
    "slot_notes": _l("Slot notes erased"),
    "calendar_feeds": _l("Calendar feeds deleted"),
    "group_messages": _l("Messages to the group deleted"),
    "lottery_entries": _l("Lottery entries unlinked from the account"),
    "tokens": _l("Sign-in and API tokens deleted"),
    "mails": _l("Mails redacted"),
}
ITEM_LABELS = {
    "groups.name": _l("Group name"),
    "groups.representative_name": _l("Representative's name"),
    "groups.representative_address": _l("Representative's address"),
    "groups.representative_phone_home": _l("Representative's home phone"),
    "groups.representative_phone_mobile": _l("Representative's mobile phone"),
    "groups.contact_name": _l("Contact person's name"),
    "groups.contact_address": _l("Contact person's address"),
    "groups.contact_phone_home": _l("Contact person's home phone"),
    "groups.contact_phone_mobile": _l("Contact person's mobile phone"),
    "groups.contact_email": _l("Contact person's email address"),
    "groups.rejection_reason": _l("Reason for rejection"),
    "bookings.purpose": _l("Booking purpose"),
    "bookings.cancel_reason": _l("Reason for cancellation"),
    "bookings.override_reason": _l("Reason for a counter override"),
    "accounts.login": _l("Login ID"),
    "accounts.email": _l("Email address"),
    "accounts.password_hash": _l("Password (hash)"),
    "outbox.to_address": _l("Mail: recipient address"),
    "outbox.subject": _l("Mail: subject"),
    "outbox.body_text": _l("Mail: text"),
}


def label(mapping: dict[str, Any], key: str) -> str:
    """The label of ``key``, or the key itself when it has none."""
    found = mapping.get(key)
    return str(found) if found is not None else key


EXECUTORS = {
    "shisetsu.retention.jobs.purge_job": _l("The daily retention job"),
    "shisetsu.retention.jobs.request_job": _l("The erasure job"),
}
_OWN_REQUEST = re.compile(r"resident #(\d+) \(own request\) via (.+)")


def executor(value: str) -> str:
    """Who carried out a purge, in words; the stored (hashed) value stays as it is."""
    if value.startswith("cli:"):
        return gettext("The command line, by %(user)s", user=value[4:])
    own = _OWN_REQUEST.fullmatch(value)
    if own:
        return gettext(
            "%(job)s, on the request of the person (account #%(id)s)",
            job=executor(own.group(2)),
            id=own.group(1),
        )
    return label(EXECUTORS, value)


def template_helpers() -> dict[str, Any]:
    """What the personal-data templates need to name triggers, counts and items."""
    return {
        "label": label,
        "trigger_labels": TRIGGER_LABELS,
        "count_labels": COUNT_LABELS,
        "item_labels": ITEM_LABELS,
        "executor": executor,
    }
