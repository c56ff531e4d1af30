"""Entering a round: ranked choices of an eligible group, edited or withdrawn until close.

A choice is one slot or a set of slots of one room on one day (a full-day set id counts
as its slots); a group enters each slot at most once, only slots of the usage month that
are in the lottery (not closed, not held). Refusals are :class:`Violation` lists (422);
a round that does not take entries now is :class:`EntriesClosed` (409). Edits of one
group's entry are serialised (:func:`locked_entry`); an edit made from an outdated form
(its :func:`fingerprint` no longer matches) is :class:`EntryChanged` (409).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from shisetsu.dates import (
    format_deadline,
    format_month,
    last_moment,
    local_today,
    month_end,
)
from shisetsu.groups.mail import applicant_locale, group_address
from shisetsu.groups.models import Group
from shisetsu.groups.operations import can_book
from shisetsu.i18n import current_locale
from shisetsu.lottery.engine import MAX_SET_SLOTS
from shisetsu.lottery.models import OPEN, LotteryChoice, LotteryEntry, LotteryRound
from shisetsu.lottery.names import name_choices
from shisetsu.lottery.rounds import category_may_enter
from shisetsu.notify import compose, queue_mail
from shisetsu.plugins import Violation
from shisetsu.refusals import Refusal
from shisetsu.slots.ids import InvalidSlotId
from shisetsu.slots.locks import facilities_of, share_facilities
from shisetsu.slots.operations import (
    LOTTERY,
    Slot,
    UnknownSlot,
    load_rooms,
    resolve_slots,
    slot_states,
)
from shisetsu.tenancy.runtime import TenantRuntime


class EntriesClosed(Refusal):
    """The round does not take entries now (not open, or the window has passed)."""

    code = "entries_closed"

    def __init__(self, round_id: int) -> None:
        super().__init__(message=str(round_id))


class EntryChanged(Refusal):
    """The entry changed since the form was shown (another window or request won)."""

    code = "entry_changed"
    text = _l(
        "This entry was changed in another window or by another request just now. "
        "Please check it and make your change again."
    )


class EntryRefused(Refusal):
    """The entry breaks rules; ``violations`` says which (ja and en)."""

    code = "entry_refused"

    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__(violations=violations)


def _v(code: str, ja: str, en: str, field: str | None = "choices") -> Violation:
    return Violation(code=code, ja=ja, en=en, field=field)


GROUP_NOT_ACTIVE = _v(
    "group_not_active",
    "この団体は現在抽選に申し込めません（登録が有効ではありません）。",
    "This group cannot enter the lottery now: its registration is not valid.",
    "group",
)
CATEGORY_NOT_ALLOWED = _v(
    "category_not_allowed",
    "この団体の区分では、この抽選（または選んだ施設の抽選）に申し込めません。",
    "Groups of this category may not enter this lottery (or the lottery of a chosen facility).",
)
NO_CHOICES = _v("no_choices", "希望を1つ以上選んでください。", "Please choose at least one slot.")
EMPTY_CHOICE = _v("empty_choice", "空の希望があります。", "A choice has no slot.")
SET_TOO_LARGE = _v(
    "set_too_large",
    f"1つの希望に含められる枠は{MAX_SET_SLOTS}つまでです。",
    f"A choice may hold at most {MAX_SET_SLOTS} slots.",
)
UNKNOWN_SLOT = _v("unknown_slot", "指定された枠が見つかりません。", "A chosen slot does not exist.")
ONE_ROOM_ONE_DAY = _v(
    "one_room_one_day",
    "1つの希望は、同じ部屋・同じ日の枠に限ります。",
    "One choice covers slots of one room on one day.",
)
DUPLICATE_SLOT = _v(
    "duplicate_slot",
    "同じ枠を2つ以上の希望に入れることはできません。",
    "A slot may be in one choice only.",
)
OUTSIDE_MONTH = _v(
    "outside_month",
    "この抽選の対象月以外の枠が含まれています。",
    "A chosen slot is not in this round's month.",
)
NOT_IN_LOTTERY = _v(
    "slot_not_available",
    "休館日・公用予約などで抽選の対象にならない枠が含まれています。",
    "A chosen slot is not in the lottery (closed day, official hold or already taken).",
)


def too_many(limit: int) -> Violation:
    """The cap on choices per group."""
    return _v(
        "too_many_choices",
        f"希望は{limit}つまでです。",
        f"At most {limit} choices per group.",
    )


def takes_entries(rnd: LotteryRound, now: dt.datetime) -> bool:
    """Whether ``rnd`` takes new entries and edits at ``now``."""
    return rnd.state == OPEN and rnd.opens_at <= now < rnd.closes_at


def entry_of(session: Session, rnd: LotteryRound, group_id: int) -> LotteryEntry | None:
    """The group's entry in the round (withdrawn ones included)."""
    query = (
        sa.select(LotteryEntry)
        .where(LotteryEntry.round_id == rnd.id, LotteryEntry.group_id == group_id)
        .options(selectinload(LotteryEntry.choices))
    )
    return session.scalar(query)


def locked_entry(session: Session, rnd: LotteryRound, group_id: int) -> LotteryEntry | None:
    """The group's entry, locked (``SELECT … FOR UPDATE``) until the transaction ends.

    The group's row is locked first, so two first entries of one group wait for each other
    too (there is no entry row to lock yet); the entry is re-read as committed meanwhile.
    """
    session.execute(sa.select(Group.id).where(Group.id == group_id).with_for_update())
    query = (
        sa.select(LotteryEntry)
        .where(LotteryEntry.round_id == rnd.id, LotteryEntry.group_id == group_id)
        .options(selectinload(LotteryEntry.choices))
        .with_for_update(of=LotteryEntry)
        .execution_options(populate_existing=True)
    )
    return session.scalar(query)


def fingerprint(entry: LotteryEntry | None) -> str:
    """A short digest of what the entry holds now, carried by the form that edits it."""
    if entry is None:
        return "new"
    text = "|".join(
        [
            str(entry.id),
            entry.updated_at.isoformat(),
            str(entry.withdrawn_at),
            *(f"{c.rank}:{','.join(c.slot_ids)}" for c in entry.choices),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_choices(
    session: Session,
    runtime: TenantRuntime,
    rnd: LotteryRound,
    group: Group,
    choices: Sequence[Sequence[str]],
    *,
    now: dt.datetime,
) -> list[list[Slot]]:
    """The resolved slots of each choice; raises :class:`EntryRefused` with every reason."""
    problems: list[Violation] = []
    if not can_book(group, local_today(runtime.config, now)):
        problems.append(GROUP_NOT_ACTIVE)
    if not category_may_enter(rnd, group.category, None):
        problems.append(CATEGORY_NOT_ALLOWED)
    if not choices:
        problems.append(NO_CHOICES)
    if len(choices) > rnd.entries_per_group:
        problems.append(too_many(rnd.entries_per_group))
    if problems:
        raise EntryRefused(problems)
    resolved: list[list[Slot]] = []
    for choice in choices:
        if not choice:
            raise EntryRefused([EMPTY_CHOICE])
        try:
            slots = resolve_slots(session, runtime.config, list(dict.fromkeys(choice)))
        except (InvalidSlotId, UnknownSlot):
            raise EntryRefused([UNKNOWN_SLOT]) from None
        if len(slots) > MAX_SET_SLOTS:
            raise EntryRefused([SET_TOO_LARGE])
        if len({(s.room_id, s.date) for s in slots}) != 1:
            raise EntryRefused([ONE_ROOM_ONE_DAY])
        resolved.append(slots)
    every = [slot for slots in resolved for slot in slots]
    if len({s.id for s in every}) != len(every):
        problems.append(DUPLICATE_SLOT)
    if any(not rnd.usage_month <= s.date <= month_end(rnd.usage_month) for s in every):
        problems.append(OUTSIDE_MONTH)
    rooms = {room.id: room for room in load_rooms(session, room_ids={s.room_id for s in every})}
    if any(
        not category_may_enter(rnd, group.category, rooms[s.room_id].facility.code)
        for s in every
        if s.room_id in rooms
    ):
        problems.append(CATEGORY_NOT_ALLOWED)
    if not problems:
        states = slot_states(session, runtime.config, every, now=now)
        if any(states[s.id].state != LOTTERY for s in every):
            problems.append(NOT_IN_LOTTERY)
    if problems:
        raise EntryRefused(problems)
    return resolved


def enter(
    session: Session,
    runtime: TenantRuntime,
    rnd: LotteryRound,
    group: Group,
    choices: Sequence[Sequence[str]],
    *,
    now: dt.datetime,
    account_id: int | None = None,
    version: str | None = None,
) -> LotteryEntry:
    """Enter (or replace) ``group``'s ranked choices; the caller commits.

    ``version`` is the :func:`fingerprint` the editing form was made from (None: no check).
    Raises :class:`EntriesClosed` (409), :class:`EntryChanged` (409) or
    :class:`EntryRefused` (422).
    """
    if not takes_entries(rnd, now):
        raise EntriesClosed(rnd.id)
    # A closure being confirmed on these facilities goes first; its days are then closed.
    share_facilities(session, facilities_of(session, [s for c in choices for s in c]))
    entry = locked_entry(session, rnd, group.id)
    if version is not None and version != fingerprint(entry):
        raise EntryChanged()
    resolved = check_choices(session, runtime, rnd, group, choices, now=now)
    if entry is None:
        entry = LotteryEntry(
            round_id=rnd.id,
            group_id=group.id,
            account_id=account_id,
            category=group.category,
            created_at=now,
            updated_at=now,
        )
        session.add(entry)
    else:
        entry.choices.clear()
        session.flush()
        entry.category = group.category
        entry.withdrawn_at = None
        entry.updated_at = now
        entry.account_id = account_id or entry.account_id
    for rank, slots in enumerate(resolved, start=1):
        entry.choices.append(LotteryChoice(rank=rank, slot_ids=sorted(s.id for s in slots)))
    session.flush()
    _receipt(session, runtime, rnd, entry, group, now)
    return entry


def withdraw(
    session: Session, rnd: LotteryRound, group: Group, *, now: dt.datetime
) -> LotteryEntry | None:
    """Withdraw the group's entry (None if it had none); raises :class:`EntriesClosed`."""
    if not takes_entries(rnd, now):
        raise EntriesClosed(rnd.id)
    entry = locked_entry(session, rnd, group.id)
    if entry is None or entry.withdrawn_at is not None:
        return entry
    entry.withdrawn_at = now
    entry.updated_at = now
    return entry


def _receipt(
    session: Session,
    runtime: TenantRuntime,
    rnd: LotteryRound,
    entry: LotteryEntry,
    group: Group,
    now: dt.datetime,
) -> None:
    """A receipt mail listing what was entered by name (one per change)."""
    config = runtime.config

    def render() -> tuple[str, str]:
        subject = gettext(
            "Lottery entry received: %(month)s",
            month=format_month(rnd.usage_month, current_locale()),
        )
        lines = [gettext("Dear %(name)s,", name=group.name)]
        lines.append(gettext("We have received your lottery entry. Your choices:"))
        choices = [choice.slot_ids for choice in entry.choices]
        for rank, name in enumerate(name_choices(session, config, choices, current_locale()), 1):
            words = str(name) if name else gettext("a slot no longer offered")
            lines.append(gettext("Choice %(rank)s: %(slots)s", rank=rank, slots=words))
        lines.append(
            gettext(
                "You can change or withdraw the entry %(deadline)s.",
                deadline=format_deadline(
                    last_moment(rnd.closes_at), current_locale(), config.timezone
                ),
            )
        )
        lines.append(config.name.get(current_locale()))
        return subject, "\n\n".join(lines)

    content = compose(render, applicant_locale(group))
    queue_mail(
        session,
        key=f"lottery:{rnd.id}:receipt:{group.id}:{int(now.timestamp() * 1000)}",
        to=group_address(group),
        subject=content.subject,
        body=content.body,
        kind="lottery_receipt",
        locale=content.locale,
    )
