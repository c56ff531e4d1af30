"""Mail through a transactional outbox (docs/architecture.md, Jobs, the outbox and cron).

Write the mail in the same transaction as the change it reports::

    from shisetsu.notify import compose, queue_mail

    mail = compose(lambda: (gettext("Booking confirmed"), render_template(...)), locale)
    queue_mail(session, key=f"booking:{b.id}:confirmed", to=addr,
               subject=mail.subject, body=mail.body, kind="booking_confirmed",
               locale=mail.locale)
    session.commit()

``queue_mail`` only inserts a row (no network); the same key twice adds nothing. After the
commit a relay job is queued for the tenant; ``relay_outbox`` sends due rows one by one,
marks each sent in the transaction that follows its SMTP handoff, retries failures with
exponential backoff and gives up after ``OUTBOX_MAX_ATTEMPTS`` (the row stays, with its
error). Every minute ``shisetsu cron`` also sweeps each tenant's outbox, so a Redis or SMTP
outage delays mail but never loses it. The idempotency key is the Message-ID, so a handoff
repeated after a crash is recognisable downstream.

Without ``SMTP_URL`` mail is delivered "locally": the row is marked sent with
``delivered_via="local"`` and the development mail viewer at ``/_dev/mail`` shows it.
"""

from shisetsu.notify.compose import MailContent, compose
from shisetsu.notify.outbox import queue_mail
from shisetsu.notify.relay import RelayResult, relay_outbox

__all__ = ["MailContent", "RelayResult", "compose", "queue_mail", "relay_outbox"]
