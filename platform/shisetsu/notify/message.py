"""Turning an outbox row into an RFC 5322 message: UTF-8 plain text, stable Message-ID."""

from __future__ import annotations

import email.policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from shisetsu.notify.models import OutboxMessage

# CRLF line ends and a 7-bit body (base64 or quoted-printable, whichever is shorter): no
# reliance on the server's 8BITMIME.
_POLICY = email.policy.SMTP.clone(cte_type="7bit")
_ID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def message_id(key: str, tenant: str, domain: str) -> str:
    """``<tenant.key@domain>``; characters outside ``[A-Za-z0-9_-]`` become ``=XX`` bytes.

    The mapping is one-to-one, so the same idempotency key always gives the same id and a
    repeated handoff (a crash between SMTP and the commit) shows up as a duplicate id.
    """
    local = "".join(c if c in _ID_SAFE else "".join(f"={b:02X}" for b in c.encode()) for c in key)
    return f"<{tenant}.{local}@{domain}>"


def sender_address(mail_from: str) -> str:
    """The bare address of ``MAIL_FROM`` (used as the SMTP envelope sender)."""
    return parseaddr(mail_from)[1]


def build_message(row: OutboxMessage, *, mail_from: str, tenant: str) -> EmailMessage:
    """The message for ``row`` (raises ValueError if a header cannot be encoded)."""
    address = sender_address(mail_from)
    domain = address.rpartition("@")[2] or "localhost"
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = mail_from
    msg["To"] = Address(addr_spec=row.to_address)
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = message_id(row.idempotency_key, tenant, domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    if row.locale:
        msg["Content-Language"] = row.locale
    msg.set_content(row.body_text, charset="utf-8")
    return msg
