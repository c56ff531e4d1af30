"""Where mail goes: an SMTP server from ``SMTP_URL``, or nowhere but the outbox ("local").

``SMTP_URL`` forms: ``smtp://host:25``, ``smtp://user:pass@host:587?starttls=1``,
``smtps://user:pass@host:465``. User and password are percent-decoded.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask


class DeliveryError(Exception):
    """A message was not handed over.

    ``permanent``: retrying cannot help (the server refused the recipient with a 5xx).
    ``connection``: the server itself is unreachable or refused us; the other messages of
    this run would fail the same way, so the relay stops early.
    """

    def __init__(self, reason: str, *, permanent: bool = False, connection: bool = False):
        super().__init__(reason)
        self.permanent = permanent
        self.connection = connection


class Transport(Protocol):
    """Hands messages over, one at a time; ``close`` ends any connection."""

    name: str

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Deliver ``message`` or raise :class:`DeliveryError`."""

    def close(self) -> None:
        """Release the connection, if any."""


class LocalTransport:
    """No SMTP configured: the outbox row itself is the mailbox (see ``/_dev/mail``)."""

    name = "local"

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Accept the message; marking the row delivered is all there is to do."""

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class SmtpSettings:
    """Connection parameters parsed from ``SMTP_URL``."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_url(cls, url: str, timeout: float = 10.0) -> SmtpSettings:
        """Parse ``smtp://`` / ``smtps://`` URLs; raises ValueError for anything else."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"SMTP_URL must look like smtp://host:port, not {url!r}")
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes"),
            tls=tls,
            timeout=timeout,
        )


class SmtpTransport:
    """One SMTP connection, opened on the first message and reused for the rest."""

    name = "smtp"

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        try:
            if s.tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(_describe(exc), connection=True) from exc
        return smtp

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Hand ``message`` to the server for ``recipient``."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                _describe(exc), permanent=all(code >= 500 for code in codes)
            ) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise DeliveryError(_describe(exc), connection=True) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(_describe(exc), permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(_describe(exc), permanent=exc.smtp_code >= 500) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryError(_describe(exc), connection=True) from exc

    def close(self) -> None:
        """Say QUIT (best effort) and forget the connection."""
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def open_transport(app: Flask) -> Transport:
    """SMTP when ``SMTP_URL`` is set, else local delivery."""
    url = app.config.get("SMTP_URL") or ""
    if not url:
        return LocalTransport()
    return SmtpTransport(SmtpSettings.from_url(url, float(app.config["SMTP_TIMEOUT"])))
