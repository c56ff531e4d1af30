"""Demo accounts: staff with printed TOTP secrets, an auditor, residents in approved groups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from shisetsu.auth.passwords import hash_password, password_problems
from shisetsu.auth.totp import new_secret
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.demo.people import person
from shisetsu.extensions import db
from shisetsu.groups.models import APPROVED, Group
from shisetsu.groups.operations import validity_period
from shisetsu.people.models import Account, Auditor, Staff
from shisetsu.provisioning.operations import default_config_path
from shisetsu.staff.operations import create_staff
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.config import TenantConfig
from shisetsu.tenancy.runtime import runtime_for
from shisetsu.ward.operations import create_auditor

RESIDENTS = 20
STAFF = (("demo-manager", "デモ 管理者", "responsible"), ("demo-counter", "デモ 窓口", "counter"))
AUDITOR = ("demo-auditor", "デモ 監査員")
DEFAULT_PASSWORD = "shisetsu-demo-2026"  # noqa: S105 (synthetic, development only)


class DemoRefused(RuntimeError):
    """Demo accounts are not created in production."""


@dataclass(frozen=True)
class Credential:
    """A demo sign-in to print: who, where, and the TOTP secret if any."""

    where: str
    login: str
    role: str
    totp_secret: str | None


def demo_password(app: Flask) -> str:
    """The shared demo password (SHISETSU_DEMO_PASSWORD), refused in production and when it
    breaks the password rules every real account must pass."""
    if app.config["ENV_NAME"] == "production":
        raise DemoRefused("demo accounts are never created in production")
    password = str(app.config.get("DEMO_PASSWORD") or DEFAULT_PASSWORD)
    problems = password_problems(password, login="demo-manager")
    if problems:
        raise DemoRefused(f"SHISETSU_DEMO_PASSWORD is refused: {', '.join(problems)}")
    return password


def seed_auditor(app: Flask, password: str) -> Credential:
    """The ward auditor ``demo-auditor`` (platform schema)."""
    with app.app_context():
        session = db.session()
        auditor = session.scalar(sa.select(Auditor).where(Auditor.login == AUDITOR[0]))
        if auditor is None:
            auditor, _ = create_auditor(
                session,
                login=AUDITOR[0],
                display_name=AUDITOR[1],
                password=password,
                totp_secret=new_secret(),
            )
        secret = auditor.totp_secret
        session.commit()
    return Credential("/ward/", AUDITOR[0], "auditor", secret)


def seed_tenant_accounts(app: Flask, slug: str, password: str) -> list[Credential]:
    """Staff and residents (each representing an approved group) of one tenant."""
    credentials = []
    with tenant_session(app, slug) as session:
        config = runtime_for(slug, _config_path(app, slug)).config
        for login, name, role in STAFF:
            staff = session.scalar(sa.select(Staff).where(Staff.login == login))
            if staff is None:
                staff, _ = create_staff(
                    session,
                    login=login,
                    display_name=name,
                    email=f"{login}@example.jp",
                    role=role,
                    password=password,
                    totp_secret=new_secret(),
                )
            credentials.append(Credential(f"/{slug}/manage/", login, role, staff.totp_secret))
        category = _resident_category(config)
        today = local_today(config)
        now = utcnow()
        for number in range(1, RESIDENTS + 1):
            _seed_resident(session, number, password, category, today, now, config)
        credentials.append(Credential(f"/{slug}/account/", "demo01 … demo20", "resident", None))
        session.commit()
    return credentials


def _seed_resident(
    session: Session,
    number: int,
    password: str,
    category: str,
    today: date,
    now: datetime,
    config: TenantConfig,
) -> None:
    who = person(number)
    account = session.scalar(sa.select(Account).where(Account.login == who.login))
    if account is None:
        account = Account(
            login=who.login,
            email=who.email,
            password_hash=hash_password(password),
            email_verified_at=now,
            locale="ja",
        )
        session.add(account)
        session.flush()
    if session.scalar(sa.select(Group.id).where(Group.account_id == account.id)) is not None:
        return
    valid_from, valid_until = validity_period(today, config.registration)
    session.add(
        Group(
            name=who.group_name,
            category=category,
            status=APPROVED,
            account_id=account.id,
            representative_name=who.name,
            representative_address=who.address,
            representative_phone_home=who.phone,
            contact_name=who.name,
            contact_address=who.address,
            contact_phone_home=who.phone,
            contact_email=who.email,
            member_count=8,
            resident_count=6,
            representative_is_resident=True,
            representative_is_adult=True,
            privacy_accepted_at=now,
            verified_member_count=8,
            verified_resident_count=6,
            verified_at=now,
            decided_at=now,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    )


def _resident_category(config: TenantConfig) -> str:
    for category in config.group_categories:
        if category.resident:
            return str(category.code)
    return str(config.group_categories[0].code)


def _config_path(app: Flask, slug: str) -> str:
    return str(default_config_path(app, slug))
