"""What the entry pages show: the draft kept in the session, the round's limits in words,
the rooms to pick from and one room's month grid of the round.

The draft lives in the signed session under the tenant, account, round and group, so
it survives moving between rooms and months (and rounds) without being saved; the
saved entry is only ever changed by :func:`shisetsu.lottery.entries.enter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import g, session
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from shisetsu.dates import format_deadline, last_moment, month_end
from shisetsu.db import utcnow
from shisetsu.facilities.models import Room
from shisetsu.groups.models import Group
from shisetsu.i18n import current_locale
from shisetsu.lottery import drafts, entries, rounds
from shisetsu.lottery.models import OPEN, LotteryEntry, LotteryRound
from shisetsu.lottery.names import ChoiceName, name_choices
from shisetsu.slots.display import Formatter
from shisetsu.slots.grid import Grid, room_grid
from shisetsu.slots.operations import load_rooms
from shisetsu.tenancy.runtime import current_runtime

SESSION_KEY = "lottery_drafts"
KEPT = 8
"""Drafts kept in one session at most (the oldest goes first): the cookie stays small."""


def _key(rnd: LotteryRound, group: Group) -> str:
    return f"{g.tenant.slug}:{current_user.id}:{rnd.id}:{group.id}"


def load_draft(
    rnd: LotteryRound, group: Group, entry: LotteryEntry | None
) -> tuple[drafts.Draft, str]:
    """The draft being put together and the entry version it started from; with none
    kept, the saved entry's choices and its current version."""
    kept = session.get(SESSION_KEY, {}).get(_key(rnd, group))
    if isinstance(kept, dict) and isinstance(kept.get("base"), str):
        choices = kept.get("choices")
        if isinstance(choices, list) and all(
            isinstance(c, list) and all(isinstance(s, str) for s in c) for c in choices
        ):
            return [list(c) for c in choices], kept["base"]
    return drafts.from_entry(entry), entries.fingerprint(entry)


def store_draft(rnd: LotteryRound, group: Group, draft: drafts.Draft, base: str) -> None:
    """Keep ``draft`` (an empty one too: all removed) with the entry version it started
    from, which its submission carries: an entry changed meanwhile is refused, not lost."""
    kept = dict(session.get(SESSION_KEY, {}))
    kept.pop(_key(rnd, group), None)
    kept[_key(rnd, group)] = {"base": base, "choices": draft}
    session[SESSION_KEY] = dict(list(kept.items())[-KEPT:])


def drop_draft(rnd: LotteryRound, group: Group) -> None:
    """Forget the draft (it was saved, or the resident starts again from the saved entry)."""
    kept = dict(session.get(SESSION_KEY, {}))
    if kept.pop(_key(rnd, group), None) is not None:
        session[SESSION_KEY] = kept


@dataclass(frozen=True)
class Limits:
    """The round's limits in words, as the resident goes."""

    count: int
    limit: int
    win_cap: int | None

    @property
    def left(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def words(self) -> str:
        """``希望 2件を選択中（あと3件選べます）`` — the count the live region announces."""
        return _(
            "%(count)s of %(limit)s choices chosen; %(left)s left.",
            count=self.count,
            limit=self.limit,
            left=self.left,
        )


def limits_of(rnd: LotteryRound, draft: Sequence[Sequence[str]]) -> Limits:
    """The choices left and the wins possible under the round's frozen policy."""
    cap = rnd.policy_params.get("win_cap_per_group")
    return Limits(len(draft), rnd.entries_per_group, int(cap) if cap else None)


def deadline(rnd: LotteryRound) -> str:
    """When applications close, as their last moment."""
    config = current_runtime().config
    return format_deadline(last_moment(rnd.closes_at), current_locale(), config.timezone)


def named(db_session: Session, choices: Sequence[Sequence[str]]) -> list[ChoiceName | None]:
    """The choices in the reader's language."""
    return name_choices(db_session, current_runtime().config, choices, current_locale())


def same_choices(a: Sequence[ChoiceName | None], b: Sequence[ChoiceName | None]) -> bool:
    """Whether two lists of named choices hold the same slots in the same order."""
    return [sorted(n.slot_ids) if n else None for n in a] == [
        sorted(n.slot_ids) if n else None for n in b
    ]


def open_rounds(db_session: Session) -> list[LotteryRound]:
    """Rounds taking entries now, by usage month (the months the entry page moves between)."""
    now = utcnow()
    found = rounds.list_rounds(db_session, states=[OPEN])
    found = [r for r in found if entries.takes_entries(r, now)]
    return sorted(found, key=lambda r: r.usage_month)


def rooms_for(db_session: Session, rnd: LotteryRound, group: Group) -> list[Room]:
    """The active rooms whose lottery this group may enter, facility by facility."""
    return [
        room
        for room in load_rooms(db_session)
        if rounds.category_may_enter(rnd, group.category, room.facility.code)
    ]


def grid_of(db_session: Session, rnd: LotteryRound, room: Room) -> Grid:
    """The room's grid over the round's usage month."""
    config = current_runtime().config
    return room_grid(db_session, config, room, rnd.usage_month, month_end(rnd.usage_month))


def chosen_cells(
    draft_names: Sequence[ChoiceName | None], draft: Sequence[Sequence[str]]
) -> dict[str, int]:
    """Slot (and set) id → the draft's rank holding it, so the grid marks chosen cells."""
    out: dict[str, int] = {}
    for rank, (name, choice) in enumerate(zip(draft_names, draft, strict=True), start=1):
        for sid in [*choice, *(name.slot_ids if name else ())]:
            out.setdefault(sid, rank)
    return out


def overlapping_sets(grid: Grid, chosen: dict[str, int]) -> set[str]:
    """Full-day set cells one of whose slots is already a choice (a slot counts once)."""
    out = set()
    for row in grid.rows:
        for cell in row.cells:
            if cell is None or not cell.column.members or cell.slot_id in chosen:
                continue
            stem = cell.slot_id.rsplit("-", 1)[0]
            if any(f"{stem}-{code}" in chosen for code in cell.column.members):
                out.add(cell.slot_id)
    return out


def formatter() -> Formatter:
    return Formatter(current_locale())


def page_context(db_session: Session, rnd: LotteryRound, group: Group) -> dict[str, Any]:
    """What every entry page shows: the draft named, the saved entry, the limits."""
    entry = entries.entry_of(db_session, rnd, group.id)
    draft, base = load_draft(rnd, group, entry)
    draft_names = named(db_session, draft)
    saved = drafts.from_entry(entry)
    saved_names = named(db_session, saved)
    return {
        "entry": entry,
        "draft": draft,
        "draft_names": draft_names,
        "saved_names": saved_names,
        "unsaved": not same_choices(draft_names, saved_names),
        "limits": limits_of(rnd, draft),
        "deadline": deadline(rnd),
        "version": base,
        "taking": entries.takes_entries(rnd, utcnow()),
    }
