"""Finding what is due for deletion and purging it, one certificate per purge.

Retention: a group's personal data is kept for ``[retention]
personal_data_months_after_expiry`` months after the registration ended (expired: its last
valid day; withdrawn or rejected: that day), then purged. An account goes with it once none
of its groups is left unpurged and nobody signed in for the same period (an account that
never had a group is purged after that period of silence too).

A purge erases the personal items (names, addresses, phones, e-mail, login, free text that
may name people) and keeps what statistics need: each booking's room, date, slots, fee and
the group's category, anonymised. Mail in the outbox to or about the person is redacted.
The access log is not touched: it holds ids and login labels only, never the items erased
here (see :mod:`shisetsu.audit.operations`), and rewriting it would break its hash chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.audit.operations import SYSTEM_ACTOR
from shisetsu.booking.models import ACTIVE as ACTIVE_BOOKINGS
from shisetsu.booking.models import Booking, GroupFeed
from shisetsu.dates import add_months_clamped
from shisetsu.db import utcnow
from shisetsu.groups.models import (
    ACTIVE_STATUSES,
    EXPIRED,
    PENDING,
    REJECTED,
    WITHDRAWN,
    Group,
    GroupMessage,
)
from shisetsu.lottery.models import LotteryEntry
from shisetsu.notify.models import OutboxMessage
from shisetsu.people.models import Account, AccountToken, ApiToken
from shisetsu.retention import chain
from shisetsu.retention.models import RETENTION, DeletionCertificate, PurgedRecord
from shisetsu.slots.models import SlotHold

ERASED = "（消去済み）"
GROUP, ACCOUNT = "group", "account"
ENDED = (EXPIRED, WITHDRAWN, REJECTED)
# Shorter values are too likely to match unrelated mail text.
MIN_SEARCH_LENGTH = 4
GROUP_TEXT = (
    "name",
    "representative_name",
    "representative_address",
    "contact_name",
    "contact_address",
    "contact_email",
)
GROUP_NULLABLE = (
    "representative_phone_home",
    "representative_phone_mobile",
    "contact_phone_home",
    "contact_phone_mobile",
    "rejection_reason",
)
GROUP_ITEMS = tuple(f"groups.{name}" for name in GROUP_TEXT + GROUP_NULLABLE)
ACCOUNT_ITEMS = ("accounts.login", "accounts.email", "accounts.password_hash")
BOOKING_ITEMS = ("bookings.purpose", "bookings.cancel_reason", "bookings.override_reason")
MAIL_ITEMS = ("outbox.to_address", "outbox.subject", "outbox.body_text")


@dataclass
class Plan:
    """What a purge would erase: the ids due, and the cut-off date it used."""

    cutoff: date | None
    months: int | None
    groups: list[int] = field(default_factory=list)
    accounts: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.accounts


@dataclass
class Tally:
    """How many rows of each kind a purge changed (the certificate's counts)."""

    groups: int = 0
    accounts: int = 0
    bookings: int = 0
    slot_notes: int = 0
    calendar_feeds: int = 0
    group_messages: int = 0
    lottery_entries: int = 0
    tokens: int = 0
    mails: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def cutoff_for(today: date, months: int) -> date:
    """Records that ended before this date are past the retention period."""
    return add_months_clamped(today, -months)


def _purged_ids(session: Session, record_type: str) -> set[int]:
    stmt = sa.select(PurgedRecord.record_id).where(PurgedRecord.record_type == record_type)
    return set(session.scalars(stmt))


def group_end(group: Group, zone: ZoneInfo) -> date | None:
    """The local date a finished registration ended (None while it is still running)."""
    if group.status == EXPIRED:
        return group.valid_until
    moment = group.withdrawn_at if group.status == WITHDRAWN else group.decided_at
    if group.status not in ENDED or moment is None:
        return None
    return moment.astimezone(zone).date()


def _local(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment is not None else None


def plan(
    session: Session,
    today: date,
    months: int,
    timezone: str = "Asia/Tokyo",
    *,
    pending_months: int | None = None,
) -> Plan:
    """The groups and accounts past the retention period and not purged yet.

    With ``pending_months``, applications still undecided that many months after they were
    made are due too.
    """
    zone, cutoff = ZoneInfo(timezone), cutoff_for(today, months)
    done_groups = _purged_ids(session, GROUP)
    ended = session.scalars(sa.select(Group).where(Group.status.in_(ENDED)).order_by(Group.id))
    due = Plan(cutoff, months)
    for group in ended:
        end = group_end(group, zone)
        if group.id not in done_groups and end is not None and end < cutoff:
            due.groups.append(group.id)
    if pending_months is not None:
        lapsed = cutoff_for(today, pending_months)
        for group in session.scalars(
            sa.select(Group).where(Group.status == PENDING).order_by(Group.id)
        ):
            applied = _local(group.privacy_accepted_at, zone)
            if group.id not in done_groups and applied is not None and applied < lapsed:
                due.groups.append(group.id)
    gone = done_groups | set(due.groups)
    open_groups = {
        account_id
        for account_id, group_id in session.execute(sa.select(Group.account_id, Group.id))
        if group_id not in gone
    }
    done_accounts = _purged_ids(session, ACCOUNT)
    for account in session.scalars(sa.select(Account).order_by(Account.id)):
        if account.id in done_accounts or account.id in open_groups:
            continue
        seen = max(
            filter(None, (_local(account.last_login_at, zone), _local(account.created_at, zone))),
            default=None,
        )
        if seen is not None and seen < cutoff and not has_future_bookings(session, account, today):
            due.accounts.append(account.id)
    return due


def has_future_bookings(session: Session, account: Account, today: date) -> bool:
    """Whether the account (or one of its groups) holds an active booking today or later."""
    groups = sa.select(Group.id).where(Group.account_id == account.id)
    stmt = sa.select(Booking.id).where(
        Booking.status.in_(ACTIVE_BOOKINGS),
        Booking.date >= today,
        sa.or_(Booking.account_id == account.id, Booking.group_id.in_(groups)),
    )
    return session.scalar(stmt.limit(1)) is not None


def active_groups(session: Session, account: Account) -> list[Group]:
    """The account's groups still applying or registered (pending or approved)."""
    stmt = sa.select(Group).where(Group.account_id == account.id, Group.status.in_(ACTIVE_STATUSES))
    return list(session.scalars(stmt.order_by(Group.id)))


# --- erasing ---------------------------------------------------------------------------


def _search_values(values: Iterable[str | None]) -> set[str]:
    return {v.strip() for v in values if v and len(v.strip()) >= MIN_SEARCH_LENGTH}


def redact_mail(session: Session, addresses: set[str], values: set[str]) -> int:
    """Redact outbox rows sent to ``addresses`` or mentioning any of ``values``."""
    matches: list[sa.ColumnElement[bool]] = []
    if addresses:
        matches.append(OutboxMessage.to_address.in_(addresses))
    for value in values:
        matches.append(OutboxMessage.subject.contains(value, autoescape=True))
        matches.append(OutboxMessage.body_text.contains(value, autoescape=True))
    if not matches:
        return 0
    rows = session.scalars(
        sa.select(OutboxMessage).where(sa.or_(*matches), OutboxMessage.subject != ERASED)
    ).all()
    for row in rows:
        row.to_address, row.subject, row.body_text = "", ERASED, ERASED
        row.last_error, row.next_attempt_at = None, None  # never sent to nobody
    return len(rows)


def _rows(result: Any) -> int:
    """How many rows an UPDATE or DELETE changed."""
    return int(getattr(result, "rowcount", 0) or 0)


def _erase_group(session: Session, group: Group, tally: Tally) -> set[str]:
    """Wipe one group's personal items and anonymise its bookings; returns search values."""
    values = _search_values([getattr(group, name) for name in GROUP_TEXT[1:] + GROUP_NULLABLE[:4]])
    for name in GROUP_TEXT:
        setattr(group, name, ERASED)
    for name in GROUP_NULLABLE:
        setattr(group, name, None)
    bookings = session.scalars(sa.select(Booking).where(Booking.group_id == group.id)).all()
    for booking in bookings:
        booking.purpose = ERASED if booking.purpose else booking.purpose
        booking.cancel_reason = booking.override_reason = None
        booking.account_id = None
    tally.bookings += len(bookings)
    if bookings:
        notes = session.execute(
            sa.update(SlotHold)
            .where(
                SlotHold.kind == "booking",
                SlotHold.ref_id.in_([b.id for b in bookings]),
                SlotHold.note.is_not(None),
            )
            .values(note=None)
        )
        tally.slot_notes += _rows(notes)
    feeds = session.execute(sa.delete(GroupFeed).where(GroupFeed.group_id == group.id))
    tally.calendar_feeds += _rows(feeds)
    # Staff messages to the group go with it (they may name its people).
    messages = session.execute(sa.delete(GroupMessage).where(GroupMessage.group_id == group.id))
    tally.group_messages += _rows(messages)
    tally.groups += 1
    return values


def _erase_account(session: Session, account: Account, tally: Tally) -> tuple[str, set[str]]:
    """Wipe one account's login, address and password; end its sessions and tokens."""
    address, values = account.email, _search_values([account.email, account.login])
    # "#" is never part of a login ID or an email address people can register.
    account.login = account.email = f"#deleted-{account.id}"
    account.password_hash, account.status = "!", "deleted"
    account.email_verified_at, account.locked_until = None, None
    account.session_version += 1
    tokens = session.execute(sa.delete(AccountToken).where(AccountToken.account_id == account.id))
    api = session.execute(
        sa.delete(ApiToken).where(
            ApiToken.principal_kind == "resident", ApiToken.principal_id == account.id
        )
    )
    tally.tokens += _rows(tokens) + _rows(api)
    entries = session.execute(
        sa.update(LotteryEntry).where(LotteryEntry.account_id == account.id).values(account_id=None)
    )
    tally.lottery_entries += _rows(entries)
    session.execute(
        sa.update(Booking).where(Booking.account_id == account.id).values(account_id=None)
    )
    tally.accounts += 1
    return address, values


@dataclass(frozen=True)
class Issue:
    """Who and why: the certificate's trigger, executor and (for retention) the period."""

    scope: str
    trigger: str = RETENTION
    executed_by: str = "shisetsu.retention.jobs.purge_job"
    months: int | None = None
    cutoff: date | None = None
    actor: audit.Actor = SYSTEM_ACTOR
    """Who the access log names: purges run as jobs and commands, so ``system``."""


def purge(
    session: Session, group_ids: list[int], account_ids: list[int], issue: Issue
) -> DeletionCertificate | None:
    """Erase the groups and accounts, issue their certificate, log each deletion; flushed.

    The caller commits. Nothing to erase means no certificate (so a re-run issues none).
    """
    groups = _load(session, Group, group_ids, GROUP)
    accounts = _load(session, Account, account_ids, ACCOUNT)
    if not groups and not accounts:
        return None
    tally = erase(session, groups, accounts)
    items = list(GROUP_ITEMS + BOOKING_ITEMS if groups else ())
    items += list(ACCOUNT_ITEMS if accounts else ())
    certificate = DeletionCertificate(
        issued_at=utcnow(),
        trigger=issue.trigger,
        executed_by=issue.executed_by[:120],
        retention_months=issue.months,
        cutoff=issue.cutoff,
        counts=tally.as_dict(),
        items=[*items, *MAIL_ITEMS],
        subjects={"groups": [g.id for g in groups], "accounts": [a.id for a in accounts]},
    )
    chain.seal(session, certificate, issue.scope)
    for record_type, rows in ((GROUP, groups), (ACCOUNT, accounts)):
        for row in rows:
            session.add(
                PurgedRecord(
                    record_type=record_type, record_id=row.id, certificate_id=certificate.id
                )
            )
            detail = "retention purge" if issue.trigger == RETENTION else "deletion on request"
            audit.record(
                session, audit.DELETE, record_type, row.id, detail=detail, actor=issue.actor
            )
    audit.record(
        session,
        audit.CREATE,
        "deletion_certificate",
        certificate.id,
        detail=certificate.number,
        actor=issue.actor,
    )
    session.flush()
    return certificate


def erase(session: Session, groups: list[Group], accounts: list[Account]) -> Tally:
    """Wipe the groups' and accounts' personal items and redact their mail; flushed.

    An application nobody decided on lapses: it is closed as expired on the way.
    """
    tally, addresses, values = Tally(), set(), set()
    for group in groups:
        if group.status == PENDING:
            group.status, group.decided_at = EXPIRED, utcnow()
        addresses.add(group.contact_email)
        values |= _erase_group(session, group, tally)
    for account in accounts:
        address, found = _erase_account(session, account, tally)
        addresses.add(address)
        values |= found
    session.flush()
    tally.mails = redact_mail(session, addresses, values)
    return tally


def _load(session: Session, model: Any, ids: list[int], record_type: str) -> list[Any]:
    """The rows of ``ids`` not purged yet, locked for the purge."""
    done = _purged_ids(session, record_type)
    wanted = [i for i in dict.fromkeys(ids) if i not in done]
    if not wanted:
        return []
    stmt: Any = sa.select(model).where(model.id.in_(wanted)).order_by(model.id)
    return list(session.scalars(stmt.with_for_update()))


def purge_due(
    session: Session,
    today: date,
    months: int,
    *,
    scope: str,
    timezone: str = "Asia/Tokyo",
    executed_by: str = "shisetsu.retention.jobs.purge_job",
    pending_months: int | None = None,
) -> tuple[Plan, DeletionCertificate | None]:
    """Plan and purge everything past the retention period (one certificate, or none)."""
    due = plan(session, today, months, timezone, pending_months=pending_months)
    issue = Issue(scope, RETENTION, executed_by, months, due.cutoff)
    return due, purge(session, due.groups, due.accounts, issue)
