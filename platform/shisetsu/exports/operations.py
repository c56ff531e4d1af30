"""Making the groups export, packing it into an AES-256 ZIP, and the one-time download."""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyzipper
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.accounts.models import Staff
from shisetsu.booking.exports import ENCODINGS, to_csv
from shisetsu.exports.models import ExportLedger, PendingDownload
from shisetsu.groups.models import Group
from shisetsu.tenancy.models import utcnow

GROUPS = "groups"
CONTENT_LABELS = {GROUPS: _l("Registered groups (with representative and contact)")}
# No 0/O, 1/l/I: read aloud or typed from the screen without confusion.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
PASSWORD_LENGTH = 16
DOWNLOAD_LIFETIME = timedelta(minutes=15)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Made:
    """What the handler is shown once: the download token and the archive's password."""

    token: str
    password: str
    ledger: ExportLedger


def new_password() -> str:
    """A random password of 16 unambiguous characters (about 93 bits)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(PASSWORD_LENGTH))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def group_rows(session: Session) -> list[list[str]]:
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
    lines = [header]
    for g in session.scalars(sa.select(Group).order_by(Group.id)):
        lines.append(
            [
                str(g.id),
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
                str(g.member_count),
                str(g.resident_count),
            ]
        )
    return lines


def encrypted_zip(name: str, body: bytes, password: str) -> bytes:
    """``body`` as the one file ``name`` in a ZIP encrypted with AES-256."""
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.writestr(name, body)
    return buffer.getvalue()


def export_groups(session: Session, staff: Staff, encoding: str) -> Made:
    """Make the groups archive, its ledger row and log entry; committed."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}")
    purge_expired(session)
    rows = group_rows(session)
    count = len(rows) - 1
    now = utcnow()
    stamp = now.strftime("%Y%m%d-%H%M%S")
    password = new_password()
    archive = encrypted_zip(f"groups-{stamp}.csv", to_csv(rows, encoding), password)
    ledger = ExportLedger(
        at=now,
        handler_id=staff.id,
        handler_login=staff.login,
        content=GROUPS,
        record_count=count,
        format=f"csv-{encoding} zip-aes256",
        encrypted=True,
        file_sha256=hashlib.sha256(archive).hexdigest(),
    )
    session.add(ledger)
    session.flush()
    token = secrets.token_urlsafe(32)
    session.add(
        PendingDownload(
            token_hash=token_hash(token),
            ledger_id=ledger.id,
            filename=f"groups-{stamp}.zip",
            payload=archive,
            expires_at=now + DOWNLOAD_LIFETIME,
        )
    )
    detail = f"{count} rows, csv {encoding}, encrypted zip, ledger {ledger.id}"
    audit.record(session, audit.EXPORT, GROUPS, None, detail=detail)
    session.commit()
    return Made(token, password, ledger)


def take_download(session: Session, token: str) -> tuple[str, bytes] | None:
    """The archive behind ``token``, removed as it is taken (None: unknown, used, expired)."""
    pending = session.scalar(
        sa.select(PendingDownload).where(PendingDownload.token_hash == token_hash(token))
    )
    if pending is None:
        return None
    found = (pending.filename, pending.payload, pending.expires_at > utcnow())
    gone = session.execute(sa.delete(PendingDownload).where(PendingDownload.id == pending.id))
    session.commit()
    if getattr(gone, "rowcount", 0) != 1 or not found[2]:
        return None  # another request took it first, or it expired
    return found[0], found[1]


def purge_expired(session: Session) -> int:
    """Delete archives past their expiry (the caller commits)."""
    result = session.execute(
        sa.delete(PendingDownload).where(PendingDownload.expires_at <= utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def ledger_page(session: Session, page: int) -> tuple[list[ExportLedger], bool]:
    """One page of the ledger, newest first, and whether an older page exists."""
    rows = list(
        session.scalars(
            sa.select(ExportLedger)
            .order_by(ExportLedger.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
