"""The inventory in docs/privacy.md and the ``info=PERSONAL`` markers name the same columns.

Every column marked personal is listed in the inventory table (``table.column``, platform
tables as ``platform.table.column``), every column the table lists is marked, and no
column whose name looks personal (a name, an address, a phone, a mail address, a login, a
network address or browser, a residency or age answer) is left unmarked unless it is
named below with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shisetsu.db import Base, PlatformBase
from shisetsu.models import import_all_models

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"
LOOKS_PERSONAL = re.compile(
    r"(^|_)(name|address|phone|email|mail|login|ip|agent|contact|label|birth|adult|resident)"
    r"(_|$)|is_resident|is_adult|user_agent|to_address"
)
# Columns that look personal by name but are not personal data (or are marked elsewhere).
NOT_PERSONAL = {
    "facilities.name_ja": "a facility's name",
    "facilities.name_en": "a facility's name",
    "facilities.address": "a facility's address",
    "facilities.phone": "a facility's public phone number",
    "rooms.name_ja": "a room's name",
    "rooms.name_en": "a room's name",
    "platform.tenants.name_ja": "an operator's name",
    "platform.tenants.name_en": "an operator's name",
    "platform.tenants.schema_name": "a database schema",
    "accounts.email_verified_at": "when the address was verified, not the address",
    "accounts.last_login_at": "a time on the account (erased with it), not an identifier",
    "staff.last_login_at": "a time on the staff account, not an identifier",
    "platform.auditors.last_login_at": "a time on the auditor account, not an identifier",
    "unknown_logins.login_digest": "a keyed digest of a login nobody has, never the text",
    "platform.unknown_auditor_logins.login_digest": "as unknown_logins.login_digest",
    "deletion_requests.mail_key": "the outbox key of the confirmation mail",
    "groups.resident_count": "a count of members, nobody named",
    "groups.verified_resident_count": "a count of members, nobody named",
}
# Personal content that is deliberately not marked (docs/privacy.md says why).
UNMARKED = {
    "outbox.subject": "composed from marked columns; marking would blank every word of a mail",
    "outbox.body_text": "composed from marked columns; marking would blank every word of a mail",
}


def all_columns() -> dict[str, bool]:
    """``{"table.column": marked personal}`` for every mapped table of both schemas."""
    import_all_models()
    found: dict[str, bool] = {}
    for metadata, prefix in ((Base.metadata, ""), (PlatformBase.metadata, "platform.")):
        for table in metadata.tables.values():
            for column in table.columns:
                found[f"{prefix}{table.name}.{column.name}"] = bool(column.info.get("personal"))
    return found


def inventory() -> set[str]:
    """The ``table.column`` names in the first column of the inventory table."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Inventory of personal items", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", first_cell))
    return names


def test_the_inventory_parses() -> None:
    listed = inventory()
    assert "groups.contact_email" in listed and "platform.auditors.login" in listed
    assert len(listed) >= 30


def test_every_marked_column_is_in_the_inventory() -> None:
    marked = {name for name, personal in all_columns().items() if personal}
    assert marked - inventory() == set()


def test_every_inventory_column_exists_and_is_marked() -> None:
    columns = all_columns()
    listed = inventory()
    assert listed - set(columns) == set(), "the inventory names a column that does not exist"
    assert {name for name in listed if not columns[name]} == set()


@pytest.mark.parametrize("name", sorted(NOT_PERSONAL) + sorted(UNMARKED))
def test_each_exemption_names_an_unmarked_column(name: str) -> None:
    columns = all_columns()
    assert name in columns and columns[name] is False


def test_no_personal_looking_column_lacks_the_marker() -> None:
    unmarked = {
        name
        for name, personal in all_columns().items()
        if not personal and LOOKS_PERSONAL.search(name.rsplit(".", 1)[1])
    }
    assert unmarked - set(NOT_PERSONAL) - set(UNMARKED) == set()


def test_the_unmarked_personal_content_is_explained_in_the_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in UNMARKED:
        assert f"`{name.rsplit('.', 1)[1]}`" in text
