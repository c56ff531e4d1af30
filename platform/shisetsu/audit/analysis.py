"""The periodic analysis of a tenant's access log (アクセスログ…定期的に分析).

:func:`analyse` reads one local day of the log and records a :class:`Finding` for each
pattern the ward asked to be looked at:

``bulk_view``      one staff member or auditor viewed/exported more distinct personal
                   records than ``AUDIT_BULK_VIEW_THRESHOLD`` (50) in the day
``off_hours``      personal data viewed before ``AUDIT_DAY_START_HOUR`` (8) or from
                   ``AUDIT_DAY_END_HOUR`` (22) o'clock, Tokyo time
``export``         any export of personal data
``login_failures`` at least ``AUDIT_LOGIN_FAILURES`` (5) refused sign-ins for one login
                   or from one IP address
``dormant``        a staff account used after ``AUDIT_DORMANT_DAYS`` (90) days without use
``removed``        activity of a staff account after its removal
``permissions``    any change of who may do what (a staff member appointed, re-roled,
                   locked or removed; an auditor added), by whoever made it
``search_volume``  one staff member or auditor ran more searches over personal data
                   (the counter's group search) than ``AUDIT_SEARCH_THRESHOLD`` (100) in
                   the day, or more than a fifth of that by phone digits

Residents looking at their own data are not findings; only staff and auditors are. Running
it again for the same day changes nothing but updated counts: a finding is unique per
(day, rule, subject), and the ward's review (keyed the same way) stays attached.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from shisetsu.audit.models import AccessLog, Finding
from shisetsu.audit.operations import (
    EXPORT,
    LOGIN_FAILURE,
    PERMISSION_CHANGE,
    PERSONAL_DATA_ACTIONS,
    SEARCH,
)
from shisetsu.db import utcnow
from shisetsu.people.models import Staff

PERSONNEL = ("staff", "auditor")
RULES = (
    "bulk_view",
    "off_hours",
    "export",
    "login_failures",
    "dormant",
    "removed",
    "permissions",
    "search_volume",
)


@dataclass(frozen=True)
class AnalysisConfig:
    """Thresholds of the rules (app config ``AUDIT_*``) and the tenant's time zone."""

    timezone: str = "Asia/Tokyo"
    bulk_view_threshold: int = 50
    day_start_hour: int = 8
    day_end_hour: int = 22
    login_failure_threshold: int = 5
    dormant_days: int = 90
    search_threshold: int = 100

    @classmethod
    def from_app(cls, app: Flask, timezone: str = "Asia/Tokyo") -> AnalysisConfig:
        cfg = app.config
        return cls(
            timezone=timezone,
            bulk_view_threshold=int(cfg.get("AUDIT_BULK_VIEW_THRESHOLD", 50)),
            day_start_hour=int(cfg.get("AUDIT_DAY_START_HOUR", 8)),
            day_end_hour=int(cfg.get("AUDIT_DAY_END_HOUR", 22)),
            login_failure_threshold=int(cfg.get("AUDIT_LOGIN_FAILURES", 5)),
            dormant_days=int(cfg.get("AUDIT_DORMANT_DAYS", 90)),
            search_threshold=int(cfg.get("AUDIT_SEARCH_THRESHOLD", 100)),
        )


@dataclass
class Observation:
    """A finding before it is stored."""

    rule: str
    subject: str
    severity: str
    entries: list[AccessLog]
    data: dict[str, Any] = field(default_factory=dict)


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants where local ``day`` begins and the next one begins."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


def analyse(session: Session, day: date, config: AnalysisConfig) -> list[Finding]:
    """Record the findings of local ``day`` (idempotent); returns them, new or updated."""
    start, end = day_bounds(day, config.timezone)
    entries = list(
        session.scalars(
            sa.select(AccessLog)
            .where(AccessLog.at >= start, AccessLog.at < end)
            .order_by(AccessLog.id)
        )
    )
    observations = [
        *bulk_viewing(entries, config),
        *off_hours(entries, config),
        *exports(entries),
        *login_failures(entries, config),
        *dormant_staff(session, entries, start, config),
        *removed_staff(session, entries),
        *permission_changes(entries),
        *search_volume(entries, config),
    ]
    findings = [_store(session, day, observation) for observation in observations]
    session.flush()
    return findings


def _personnel_by_actor(
    entries: Iterable[AccessLog], actions: tuple[str, ...] | None = None
) -> dict[tuple[str, int], list[AccessLog]]:
    """Entries of staff and auditors (with ``actions`` only, if given) by actor."""
    grouped: dict[tuple[str, int], list[AccessLog]] = defaultdict(list)
    for entry in entries:
        if actions is not None and entry.action not in actions:
            continue
        if entry.actor_kind in PERSONNEL and entry.actor_id:
            grouped[(entry.actor_kind, entry.actor_id)].append(entry)
    return grouped


def _actor_data(entries: list[AccessLog]) -> dict[str, Any]:
    first = entries[0]
    return {"actor": first.actor_label, "role": first.role, "count": len(entries)}


def bulk_viewing(entries: list[AccessLog], config: AnalysisConfig) -> Iterator[Observation]:
    """One person looking at more distinct personal records than the threshold."""
    for (kind, actor_id), rows in _personnel_by_actor(entries, PERSONAL_DATA_ACTIONS).items():
        distinct = len({(row.record_type, row.record_id) for row in rows})
        if distinct <= config.bulk_view_threshold:
            continue
        severity = "high" if distinct > 4 * config.bulk_view_threshold else "medium"
        data = {**_actor_data(rows), "records": distinct, "threshold": config.bulk_view_threshold}
        yield Observation("bulk_view", f"{kind}:{actor_id}", severity, rows, data)


def off_hours(entries: list[AccessLog], config: AnalysisConfig) -> Iterator[Observation]:
    """Personal data viewed outside the opening hours."""
    zone = ZoneInfo(config.timezone)

    def outside(row: AccessLog) -> bool:
        hour = row.at.astimezone(zone).hour
        return hour < config.day_start_hour or hour >= config.day_end_hour

    late = [row for row in entries if outside(row)]
    for (kind, actor_id), rows in _personnel_by_actor(late, PERSONAL_DATA_ACTIONS).items():
        data = {
            **_actor_data(rows),
            "first": rows[0].at.astimezone(zone).strftime("%H:%M"),
            "last": rows[-1].at.astimezone(zone).strftime("%H:%M"),
            "start_hour": config.day_start_hour,
            "end_hour": config.day_end_hour,
        }
        yield Observation("off_hours", f"{kind}:{actor_id}", "medium", rows, data)


def exports(entries: list[AccessLog]) -> Iterator[Observation]:
    """Every export of personal data is looked at by the ward."""
    for (kind, actor_id), rows in _personnel_by_actor(entries, (EXPORT,)).items():
        data = {**_actor_data(rows), "types": sorted({r.record_type or "" for r in rows})}
        yield Observation("export", f"{kind}:{actor_id}", "medium", rows, data)


def login_failures(entries: list[AccessLog], config: AnalysisConfig) -> Iterator[Observation]:
    """Repeated refused sign-ins for one login, or from one IP address."""
    by_login: dict[str, list[AccessLog]] = defaultdict(list)
    by_ip: dict[str, list[AccessLog]] = defaultdict(list)
    for entry in entries:
        if entry.action != LOGIN_FAILURE:
            continue
        if entry.actor_label:
            by_login[entry.actor_label].append(entry)
        if entry.ip:
            by_ip[entry.ip].append(entry)
    limit = config.login_failure_threshold
    for prefix, groups in (("login", by_login), ("ip", by_ip)):
        for key, rows in groups.items():
            if len(rows) < limit:
                continue
            severity = "high" if len(rows) >= 4 * limit else "medium"
            data = {"count": len(rows), "threshold": limit, prefix: key}
            data["logins"] = len({r.actor_label for r in rows})
            yield Observation("login_failures", f"{prefix}:{key}", severity, rows, data)


def dormant_staff(
    session: Session, entries: list[AccessLog], day_start: datetime, config: AnalysisConfig
) -> Iterator[Observation]:
    """A staff account used again after ``dormant_days`` without any activity.

    The last use is the newest earlier log entry of that staff member. With none (the log
    may be younger than the account), the account's creation counts only if it happened
    while the log was already being kept; otherwise nothing is known and nothing is said.
    """
    rows_by_staff = _personnel_by_actor(entries)
    log_began = session.scalar(sa.select(sa.func.min(AccessLog.at)))
    for (kind, staff_id), rows in rows_by_staff.items():
        if kind != "staff":
            continue
        previous = session.scalar(
            sa.select(sa.func.max(AccessLog.at)).where(
                AccessLog.actor_kind == "staff",
                AccessLog.actor_id == staff_id,
                AccessLog.at < day_start,
            )
        )
        if previous is None:
            staff = session.get(Staff, staff_id)
            created = _aware(staff.created_at) if staff is not None else None
            if created is None or log_began is None or created < _aware(log_began):
                continue
            previous = created
        idle = rows[0].at - _aware(previous)
        if idle < timedelta(days=config.dormant_days):
            continue
        data = {**_actor_data(rows), "idle_days": idle.days, "threshold": config.dormant_days}
        yield Observation("dormant", f"staff:{staff_id}", "medium", rows, data)


def removed_staff(session: Session, entries: list[AccessLog]) -> Iterator[Observation]:
    """Anything done under a staff account after it was removed."""
    rows_by_staff = _personnel_by_actor(entries)
    ids = [staff_id for kind, staff_id in rows_by_staff if kind == "staff"]
    if not ids:
        return
    removed = {
        staff.id: _aware(staff.removed_at)
        for staff in session.scalars(
            sa.select(Staff).where(Staff.id.in_(ids), Staff.removed_at.is_not(None))
        )
        if staff.removed_at is not None
    }
    for staff_id, removed_at in removed.items():
        after = [row for row in rows_by_staff[("staff", staff_id)] if row.at > removed_at]
        if after:
            data = {**_actor_data(after), "removed_at": removed_at.isoformat()}
            yield Observation("removed", f"staff:{staff_id}", "high", after, data)


def permission_changes(entries: list[AccessLog]) -> Iterator[Observation]:
    """Every change of rights is looked at by the ward, grouped by who made it."""
    by_actor: dict[str, list[AccessLog]] = defaultdict(list)
    for entry in entries:
        if entry.action == PERMISSION_CHANGE:
            by_actor[f"{entry.actor_kind}:{entry.actor_id or entry.actor_label}"].append(entry)
    for subject, rows in by_actor.items():
        data = {
            **_actor_data(rows),
            "changes": [f"{r.record_type} {r.record_id}: {r.detail}" for r in rows][:20],
        }
        yield Observation("permissions", subject, "medium", rows, data)


def search_volume(entries: list[AccessLog], config: AnalysisConfig) -> Iterator[Observation]:
    """Unusually many searches over personal data by one person (fishing by phone digits
    counts five times over: a few digits list strangers' groups)."""
    for (kind, actor_id), rows in _personnel_by_actor(entries, (SEARCH,)).items():
        by_phone = sum(1 for row in rows if (row.detail or "").startswith("phone"))
        if len(rows) <= config.search_threshold and 5 * by_phone <= config.search_threshold:
            continue
        data = {**_actor_data(rows), "by_phone": by_phone, "threshold": config.search_threshold}
        yield Observation("search_volume", f"{kind}:{actor_id}", "medium", rows, data)


def _store(session: Session, day: date, observation: Observation) -> Finding:
    """Insert the finding, or bring the existing one of (day, rule, subject) up to date."""
    finding = session.scalar(
        sa.select(Finding).where(
            Finding.day == day,
            Finding.rule == observation.rule,
            Finding.subject == observation.subject,
        )
    )
    values = {
        "severity": observation.severity,
        "count": len(observation.entries),
        "data": observation.data,
        "first_log_id": observation.entries[0].id,
        "last_log_id": observation.entries[-1].id,
    }
    if finding is None:
        finding = Finding(day=day, rule=observation.rule, subject=observation.subject, **values)
        session.add(finding)
    elif any(getattr(finding, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(finding, name, value)
        finding.updated_at = utcnow()
    return finding


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
