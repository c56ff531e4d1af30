"""One path for every personal-data export: render → encrypt → record → one-time download.

Each kind of export (groups, bookings, daily list) only builds a :class:`Document`;
:func:`deliver` packs it into an AES-256 ZIP with a fresh password, writes the ledger row
(管理簿) and the access-log entry, and keeps the archive for one download.
"""

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
from shisetsu.db import utcnow
from shisetsu.exports.models import ExportLedger, LedgerDownload, PendingDownload
from shisetsu.people.models import Staff

# Format → (label, file extension); CSV encodings match booking.exports.ENCODINGS.
FORMATS = {
    "csv-utf-8": (_l("CSV (UTF-8)"), "csv"),
    "csv-cp932": (_l("CSV (Shift_JIS, for older Excel)"), "csv"),
    "pdf": (_l("PDF"), "pdf"),
}
PRINTED = "print pdf"  # the ledger's format of a print (see shisetsu.exports.prints)


def format_words(stored: str) -> str:
    """A ledger row's format in words: ``csv-utf-8 zip-aes256`` → "CSV (UTF-8), encrypted
    ZIP"; a print → "Printed (PDF)"; anything unknown as stored."""
    if stored == PRINTED:
        return str(_l("Printed (PDF)"))
    name, _sep, packing = stored.partition(" ")
    label = FORMATS.get(name, (name, ""))[0]
    return f"{label}, {_l('encrypted ZIP')}" if packing == "zip-aes256" else str(label)


# No 0/O, 1/l/I: read aloud or typed from the screen without confusion.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
PASSWORD_LENGTH = 16
DOWNLOAD_LIFETIME = timedelta(minutes=15)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Document:
    """A rendered export before packing; ``content`` is the ledger's content key."""

    content: str
    stem: str
    format: str
    body: bytes
    count: int

    @property
    def filename(self) -> str:
        """The file's name inside the archive."""
        return f"{self.stem}.{FORMATS[self.format][1]}"


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
    """What the database keeps of a download token (its SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


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


def deliver(session: Session, staff: Staff, document: Document, *, actor: audit.Actor) -> Made:
    """Encrypt ``document``, record it in the ledger and ``actor``'s export in the access log,
    keep it for one download; committed. The password is returned, never stored."""
    purge_expired(session)
    now = utcnow()
    password = new_password()
    archive = encrypted_zip(document.filename, document.body, password)
    ledger = ExportLedger(
        at=now,
        handler_id=staff.id,
        handler_login=staff.login,
        content=document.content,
        record_count=document.count,
        format=f"{document.format} zip-aes256",
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
            filename=f"{document.stem}-{now:%Y%m%d-%H%M%S}.zip",
            payload=archive,
            expires_at=now + DOWNLOAD_LIFETIME,
        )
    )
    kind = document.content.split(":", 1)[0]
    detail = f"{document.count} rows, {document.format}, encrypted zip, ledger {ledger.id}"
    audit.record(session, audit.EXPORT, kind, None, detail=detail, actor=actor)
    session.commit()
    return Made(token, password, ledger)


def take_download(
    session: Session, token: str, staff: Staff, *, actor: audit.Actor
) -> tuple[str, bytes] | None:
    """The archive behind ``token``, removed as it is taken and entered in the ledger (who,
    when, from which address) and the access log; committed. None when unknown, used,
    expired, or made by someone else (only the handler who made it may take it)."""
    pending = session.scalar(
        sa.select(PendingDownload)
        .join(ExportLedger, ExportLedger.id == PendingDownload.ledger_id)
        .where(PendingDownload.token_hash == token_hash(token))
        .where(ExportLedger.handler_id == staff.id)
    )
    if pending is None:
        return None
    now = utcnow()
    found = (pending.filename, pending.payload, pending.expires_at > now, pending.ledger_id)
    gone = session.execute(sa.delete(PendingDownload).where(PendingDownload.id == pending.id))
    if getattr(gone, "rowcount", 0) != 1 or not found[2]:
        session.commit()
        return None  # another request took it first, or it expired
    session.add(
        LedgerDownload(
            ledger_id=found[3], at=now, staff_id=staff.id, staff_login=staff.login, ip=actor.ip
        )
    )
    detail = f"archive downloaded, ledger {found[3]}"
    audit.record(session, audit.VIEW, "export_ledger", found[3], detail=detail, actor=actor)
    session.commit()
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
