"""A lottery entry being put together: ranked choices not saved yet.

A draft is a plain list of choices (each a list of slot ids, or one full-day set id). The
pages keep it in the resident's session between requests, so it survives moving between
rooms and months; only :func:`shisetsu.lottery.entries.enter` saves an entry. Adding a
choice checks the draft with the entry's own rules (limits, sets, eligibility), so what
the draft holds can be submitted; moving and removing need no check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from shisetsu.groups.models import Group
from shisetsu.lottery.entries import EntriesClosed, check_choices, takes_entries
from shisetsu.lottery.models import LotteryEntry, LotteryRound
from shisetsu.tenancy.runtime import TenantRuntime

Draft = list[list[str]]


class NotInDraft(LookupError):
    """A move or removal names a position the draft does not have (an outdated page)."""


def from_entry(entry: LotteryEntry | None) -> Draft:
    """The saved entry's choices as a draft (empty for none or a withdrawn one)."""
    if entry is None or entry.withdrawn_at is not None:
        return []
    return [list(choice.slot_ids) for choice in entry.choices]


def add(
    session: Session,
    runtime: TenantRuntime,
    rnd: LotteryRound,
    group: Group,
    draft: Sequence[Sequence[str]],
    slot_id: str,
    *,
    now: dt.datetime,
) -> Draft:
    """``draft`` with ``slot_id`` (a slot or a full-day set) as its last choice.

    Raises :class:`EntriesClosed`, or :class:`~shisetsu.lottery.entries.EntryRefused` when
    the longer draft could not be entered (too many choices, a slot twice, not in the
    lottery, another month, a category that may not enter).
    """
    if not takes_entries(rnd, now):
        raise EntriesClosed(rnd.id)
    longer = [list(c) for c in draft] + [[slot_id]]
    check_choices(session, runtime, rnd, group, longer, now=now)
    return longer


def move(draft: Sequence[Sequence[str]], index: int, delta: int) -> Draft:
    """``draft`` with choice ``index`` (0-based) moved ``delta`` places (clamped at the ends)."""
    if not 0 <= index < len(draft):
        raise NotInDraft(index)
    out = [list(c) for c in draft]
    target = max(0, min(len(out) - 1, index + delta))
    out.insert(target, out.pop(index))
    return out


def remove(draft: Sequence[Sequence[str]], index: int) -> Draft:
    """``draft`` without choice ``index`` (0-based)."""
    if not 0 <= index < len(draft):
        raise NotInDraft(index)
    return [list(c) for n, c in enumerate(draft) if n != index]
