"""One mail per group about a confirmed closure: what it cancelled, full refunds, why.

Written to the outbox in the closure's transaction, keyed by closure and group, in the
group account's language (both when unknown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy.orm import Session

from shisetsu.booking.display import describe_slots, long_date, room_name, yen
from shisetsu.booking.models import Booking
from shisetsu.facilities.models import Room
from shisetsu.groups.mail import applicant_locale, group_address
from shisetsu.groups.models import Group
from shisetsu.i18n import current_locale
from shisetsu.notify import compose, queue_mail
from shisetsu.slots.ids import InvalidSlotId, parse_slot_id
from shisetsu.slots.models import Closure
from shisetsu.slots.operations import slots_on
from shisetsu.tenancy.config import TenantConfig


def describe_slot_ids(
    session: Session, config: TenantConfig, slot_ids: Sequence[str], locale: str
) -> str:
    """``元気館 多目的室 2027年3月4日(木) 午前・午後`` for the slots of one lottery choice."""
    refs = []
    for slot_id in slot_ids:
        try:
            refs.append(parse_slot_id(slot_id))
        except InvalidSlotId:
            continue
    if not refs:
        return "—"
    first = refs[0]
    room = session.get(Room, first.room_id)
    if room is None:
        return "—"
    names = {s.code: s.name.get(locale) for s in slots_on(config, room, first.date)}
    separator = ", " if locale == "en" else "・"
    slots = separator.join(names.get(ref.code, ref.code) for ref in refs)
    place = f"{room.facility.name(locale)} {room.name(locale)}"
    return f"{place} {long_date(first.date, locale)} {slots}"


@dataclass
class _Told:
    group: Group
    bookings: list[Booking] = field(default_factory=list)
    choices: list[list[str]] = field(default_factory=list)
    wins: list[list[str]] = field(default_factory=list)


@dataclass
class Notices:
    """What each group is to be told, gathered while the closure's decisions are made."""

    groups: dict[int, _Told] = field(default_factory=dict)

    def add(
        self,
        group: Group,
        *,
        bookings: Sequence[Booking] = (),
        choices: Sequence[list[str]] = (),
        wins: Sequence[list[str]] = (),
    ) -> None:
        """Note more that the closure did to ``group``."""
        told = self.groups.setdefault(group.id, _Told(group))
        told.bookings.extend(bookings)
        told.choices.extend(choices)
        told.wins.extend(wins)

    def queue(self, session: Session, config: TenantConfig, closure: Closure) -> int:
        """Queue one mail per group; returns how many were queued."""
        return sum(_queue(session, config, closure, told) for told in self.groups.values())


def _queue(session: Session, config: TenantConfig, closure: Closure, told: _Told) -> bool:
    group = told.group

    def render() -> tuple[str, str]:
        lang = current_locale()
        subject = gettext(
            "Facility closed: %(date)s",
            date=long_date(closure.start_date, lang),
        )
        paragraphs = [
            gettext("Dear %(name)s,", name=group.name),
            gettext(
                "The facility will be closed from %(start)s to %(end)s (%(reason)s). We are "
                "sorry: the cancellation is caused by the facility, not by you.",
                start=long_date(closure.start_date, lang),
                end=long_date(closure.end_date, lang),
                reason=closure.reason(lang),
            ),
        ]
        for booking in told.bookings:
            lines = [
                gettext("Cancelled booking %(number)s:", number=booking.number),
                f"  {room_name(booking, lang)} {long_date(booking.date, lang)} "
                f"{describe_slots(config, booking, lang)}",
            ]
            if booking.refund_amount:
                lines.append(
                    gettext(
                        "  Full refund: %(amount)s. Please collect it at the facility's counter.",
                        amount=yen(booking.refund_amount, lang),
                    )
                )
            else:
                lines.append(gettext("  Nothing was paid, so there is nothing to refund."))
            lines.append(gettext("  The permit for this booking is no longer valid."))
            paragraphs.append("\n".join(lines))
        for slot_ids in told.choices:
            paragraphs.append(
                gettext(
                    "Removed from your lottery entry: %(slots)s. Your other choices stay "
                    "entered, moved up in order.",
                    slots=describe_slot_ids(session, config, slot_ids, lang),
                )
            )
        for slot_ids in told.wins:
            paragraphs.append(
                gettext(
                    "Your lottery win was cancelled: %(slots)s.",
                    slots=describe_slot_ids(session, config, slot_ids, lang),
                )
            )
        paragraphs.append(
            gettext(
                "%(tenant)s — this mail was sent automatically; replies are not read.",
                tenant=config.name.get(lang),
            )
        )
        return subject, "\n\n".join(paragraphs)

    content = compose(render, applicant_locale(group))
    return queue_mail(
        session,
        key=f"closure:{closure.id}:group:{group.id}",
        to=group_address(group),
        subject=content.subject,
        body=content.body,
        kind="closure_notice",
        locale=content.locale,
    )
