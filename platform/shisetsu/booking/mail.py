"""Booking mail to the group, written to the outbox in the transaction of the change.

Confirmation (with the itemised fee and the payment deadline), payment reminder and
cancellation. Each is keyed by the event (``booking:<id>:confirmed`` …), so a retried
request or a job run twice mails once. The text is in the group account's language, or
in Japanese then English when it is unknown (:func:`shisetsu.notify.compose`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext
from sqlalchemy.orm import Session

from shisetsu.booking.display import describe_slots, long_date, room_name, yen
from shisetsu.booking.models import Booking
from shisetsu.dates import format_deadline
from shisetsu.groups.mail import applicant_locale, group_address
from shisetsu.i18n import current_locale
from shisetsu.notify import compose, queue_mail
from shisetsu.slots import deadlines
from shisetsu.tenancy.config import TenantConfig


def booking_lines(config: TenantConfig, booking: Booking) -> list[str]:
    """What, where, when: the facts every booking mail repeats (current locale)."""
    lang = current_locale()
    return [
        gettext("Booking number: %(number)s", number=booking.number),
        gettext("Group: %(group)s", group=booking.group.name),
        gettext("Room: %(room)s", room=room_name(booking, lang)),
        gettext("Date: %(date)s", date=long_date(booking.date, lang)),
        gettext("Time: %(slots)s", slots=describe_slots(config, booking, lang)),
        gettext("Number of people: %(count)s", count=booking.attendees),
        gettext("Purpose: %(purpose)s", purpose=booking.purpose or "—"),
    ]


def fee_lines(booking: Booking) -> list[str]:
    """The itemised fee and its total, one line each (current locale)."""
    lang = current_locale()
    lines = [f"  {item.label(lang)}: {yen(item.amount, lang)}" for item in booking.items]
    lines.append(gettext("  Total: %(total)s", total=yen(booking.fee_total, lang)))
    if booking.fee_sample:
        lines.append(gettext("  (Sample fees: the operator has not confirmed these rates yet.)"))
    return lines


def _send(
    session: Session,
    config: TenantConfig,
    booking: Booking,
    *,
    event: str,
    render: Callable[[], list[str]],
) -> bool:
    group = booking.group

    def subject_and_body() -> tuple[str, str]:
        subject, *paragraphs = render()
        greeting = gettext("Dear %(name)s,", name=group.name)
        footer = gettext(
            "%(tenant)s — this mail was sent automatically; replies are not read.",
            tenant=config.name.get(current_locale()),
        )
        return subject, "\n\n".join([greeting, *paragraphs, footer])

    content = compose(subject_and_body, applicant_locale(group))
    return queue_mail(
        session,
        key=f"booking:{booking.id}:{event}",
        to=group_address(group),
        subject=content.subject,
        body=content.body,
        kind=f"booking_{event}",
        locale=content.locale,
    )


def _payment_paragraph(config: TenantConfig, booking: Booking) -> str:
    lang = current_locale()
    last = deadlines.payment_deadline(config, booking.payment_due)
    if last is None:
        return gettext("There is no fee to pay for this booking.")
    return gettext(
        "Please pay the fee at the facility's counter %(deadline)s. Unpaid bookings are "
        "cancelled automatically once that time has passed.",
        deadline=format_deadline(last, lang, config.timezone),
    )


def queue_confirmation(session: Session, config: TenantConfig, booking: Booking) -> bool:
    """Tell the group its booking is confirmed, with the itemised fee and the deadline."""

    def render() -> list[str]:
        return [
            gettext(
                "Booking confirmed: %(room)s, %(date)s",
                room=room_name(booking, current_locale()),
                date=long_date(booking.date, current_locale()),
            ),
            gettext("Your booking is confirmed."),
            "\n".join(booking_lines(config, booking)),
            gettext("Fee") + ":\n" + "\n".join(fee_lines(booking)),
            _payment_paragraph(config, booking),
            gettext(
                'You can see the booking, add it to your calendar or cancel it under "My '
                'bookings" on the reservation site.'
            ),
        ]

    return _send(session, config, booking, event="confirmed", render=render)


def queue_reminder(session: Session, config: TenantConfig, booking: Booking) -> bool:
    """Remind the group that the fee is due soon (once per booking)."""

    def render() -> list[str]:
        return [
            gettext(
                "Payment due %(deadline)s: booking %(number)s",
                deadline=format_deadline(
                    deadlines.payment_deadline(config, booking.payment_due or booking.date)
                    or booking.starts_at,
                    current_locale(),
                    config.timezone,
                ),
                number=booking.number,
            ),
            gettext("The fee for this booking has not been paid yet."),
            "\n".join(booking_lines(config, booking)),
            gettext("Fee") + ":\n" + "\n".join(fee_lines(booking)),
            _payment_paragraph(config, booking),
        ]

    return _send(session, config, booking, event="reminder", render=render)


def queue_cancellation(session: Session, config: TenantConfig, booking: Booking) -> bool:
    """Tell the group its booking was cancelled: by whom, why, and any refund."""

    def render() -> list[str]:
        lang = current_locale()
        paragraphs = [
            gettext(
                "Booking cancelled: %(room)s, %(date)s",
                room=room_name(booking, lang),
                date=long_date(booking.date, lang),
            ),
            _cancel_reason(booking),
            "\n".join(booking_lines(config, booking)),
        ]
        if booking.refund_amount:
            paragraphs.append(
                gettext(
                    "Refund: %(amount)s (%(percent)s%% of the fee paid). Please collect it "
                    "at the facility's counter.",
                    amount=yen(booking.refund_amount, lang),
                    percent=booking.refund_percent,
                )
            )
        return paragraphs

    return _send(session, config, booking, event="cancelled", render=render)


def _cancel_reason(booking: Booking) -> str:
    if booking.cancelled_by == "auto":
        return gettext(
            "The fee was not paid by the deadline, so the booking was cancelled automatically "
            "and the time slots were released."
        )
    if booking.cancelled_by == "staff":
        return gettext(
            "The facility's staff cancelled this booking. Reason: %(reason)s",
            reason=booking.cancel_reason or "—",
        )
    return gettext("The booking was cancelled as you asked.")
