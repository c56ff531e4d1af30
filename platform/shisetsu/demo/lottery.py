"""Demo lottery: one round open for entries per tenant, with synthetic entries from
synthetic groups demo21 … demo32 (demo01 … demo20 stay free to enter). Idempotent."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from flask import Flask

from shisetsu import dates
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.demo.accounts import _config_path, _resident_category, _seed_resident
from shisetsu.groups.models import Group
from shisetsu.lottery import entries, rounds
from shisetsu.lottery.models import OPEN
from shisetsu.people.models import Account
from shisetsu.slots.operations import LOTTERY, slot_states
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import runtime_for

FIRST, LAST = 21, 32


def seed_lottery(app: Flask, slug: str, password: str) -> str:
    """Open (or find) the demo round of ``slug`` and add the synthetic entries once."""
    with tenant_session(app, slug) as session:
        runtime = runtime_for(slug, _config_path(app, slug))
        config = runtime.config
        now = utcnow()
        today = local_today(config, now)
        schedule = rounds.schedule_for(runtime, today)
        if schedule is None:
            return f"{slug}: no lottery calendar"
        if now >= schedule.closes_at:  # this month's window is over: open next month's now
            schedule = rounds.schedule_for(runtime, dates.first_of_month_after(today, 1))
            assert schedule is not None
            schedule = dataclasses.replace(schedule, opens_at=now)
        rnd = rounds.round_for_month(session, schedule.usage_month)
        if rnd is None:
            rnd = rounds.open_round(session, runtime, schedule, now=now)
            session.flush()
        if rnd.state != OPEN:
            session.commit()
            return f"{slug}: lottery round {rnd.usage_month:%Y-%m} is {rnd.state}"
        category = _resident_category(config)
        for number in range(FIRST, LAST + 1):
            _seed_resident(session, number, password, category, today, now, config)
        session.flush()
        slots = rounds.round_slots(session, config, rnd)[:600]
        states = slot_states(session, config, slots, now=now)
        free = [s.id for s in slots if states[s.id].state == LOTTERY][:8]
        groups = session.scalars(
            sa.select(Group)
            .join(Account, Account.id == Group.account_id)
            .where(Account.login.in_([f"demo{n:02d}" for n in range(FIRST, LAST + 1)]))
            .order_by(Account.login)
        ).all()
        added = 0
        for i, group in enumerate(groups):
            if entries.entry_of(session, rnd, group.id) is not None or len(free) < 4:
                continue
            # Popular slots first: everyone wants free[0] or free[1]; later ranks spread out.
            picks = [free[i % 2], free[2 + i % 3], free[5 + i % 3]]
            try:
                entries.enter(session, runtime, rnd, group, [[p] for p in picks], now=now)
                added += 1
            except (entries.EntryRefused, entries.EntriesClosed):
                continue
        session.commit()
        closes = dates.local_time(rnd.closes_at, config.timezone)
        return (
            f"{slug}: lottery round {rnd.usage_month:%Y-%m} open until {closes} "
            f"({added} synthetic entries added)"
        )
