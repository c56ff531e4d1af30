"""Synthetic demo bookings, so the month grids of a fresh ``make run`` are not empty.

Each demo group (``demo01`` … ``demo20``) books a few slots in the coming weeks through the
real booking operation (same rules, fees and holds), and about half of the bookings are
marked paid at the counter by ``demo-manager``. Deterministic per tenant, and idempotent:
a tenant that already has bookings is left alone.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from flask import Flask

from shisetsu.booking import operations as ops
from shisetsu.booking.models import Booking
from shisetsu.booking.payments import record_payment
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.groups.models import APPROVED, Group
from shisetsu.people.models import Account, Staff
from shisetsu.slots.holds import SlotTaken
from shisetsu.slots.operations import full_day_sets, load_rooms, slots_on
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime

PER_GROUP = 3
DAYS_AHEAD = 40
PURPOSES = ("定例練習", "会議", "発表会の準備", "講座", "交流会", "体操教室")


def seed_bookings(app: Flask, slug: str) -> str:
    """Book a few slots for each demo group of ``slug``; returns a summary line."""
    with tenant_session(app, slug) as session:
        runtime = current_runtime()
        if session.scalar(sa.select(sa.func.count(Booking.id))):
            return f"{slug}: demo bookings already present"
        groups = list(
            session.scalars(
                sa.select(Group)
                .join(Group.account)
                .where(Account.login.like("demo%"), Group.status == APPROVED)
                .order_by(Account.login)
            )
        )
        manager = session.scalar(sa.select(Staff.id).where(Staff.login == "demo-manager"))
        rooms = load_rooms(session)
        rng = random.Random(f"demo-bookings:{slug}")  # noqa: S311 (synthetic data, not secrets)
        now = utcnow()
        today = local_today(runtime.config, now)
        made: list[Booking] = []
        for group in groups[:20]:
            for _ in range(PER_GROUP):
                room = rng.choice(rooms)
                day = today + dt.timedelta(days=rng.randint(1, DAYS_AHEAD))
                choices = [s.code for s in slots_on(runtime.config, room, day)]
                choices += [f.code for f in full_day_sets(runtime.config, room)][:1]
                if not choices:
                    continue
                slot_id = f"{room.id}-{day:%Y%m%d}-{rng.choice(choices)}"
                data = ops.BookingInput(
                    [slot_id], rng.randint(5, min(30, room.capacity)), rng.choice(PURPOSES)
                )
                try:
                    made.append(
                        ops.book(
                            session, runtime, group, data, now=now, account_id=group.account_id
                        )
                    )
                except (SlotTaken, ops.BookingRefused):
                    continue  # closed, in the lottery, over a cap, taken: skip it
        paid = 0
        for booking in made[::2]:
            if manager is not None and booking.awaiting_payment:
                record_payment(session, runtime, booking, staff_id=manager, now=now)
                paid += 1
        session.commit()
        return f"{slug}: {len(made)} demo bookings ({paid} paid)"
