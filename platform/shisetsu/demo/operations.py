"""Seeding the demo: both shipped tenants with their facilities (synthetic data only)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import Flask

from shisetsu.demo.accounts import demo_password, seed_auditor, seed_tenant_accounts
from shisetsu.provisioning import operations as provisioning

DEMO_TENANTS = ("regasu", "genkikan")

Progress = Callable[[str, Iterable[Any]], AbstractContextManager[Iterable[Any]]]


def seed(app: Flask, only: str | None = None, progress: Progress | None = None) -> list[str]:
    """Create or refresh the demo tenants; returns one summary line per tenant."""
    provisioning.migrate_platform(app)
    existing = {t.slug: t for t in provisioning.list_tenants(app)}
    slugs = [s for s in DEMO_TENANTS if only in (None, s)]
    report = []
    items: AbstractContextManager[Iterable[Any]]
    items = progress("Seeding demo tenants", slugs) if progress else nullcontext(slugs)
    with items as bar:
        for slug in bar:
            if slug in existing:
                provisioning.migrate_tenant(app, existing[slug])
                s = provisioning.sync_tenant(app, existing[slug])
                report.append(f"{slug}: up to date ({s.added} facilities/rooms added)")
            else:
                created = provisioning.create_tenant(app, slug)
                report.append(f"{slug}: created ({created.facilities.added} facilities/rooms)")
    password = demo_password(app)
    credentials = [seed_auditor(app, password)]
    for slug in slugs:
        credentials.extend(seed_tenant_accounts(app, slug, password))
    from shisetsu.demo.lottery import seed_lottery  # the lottery builds on the accounts

    lottery = [seed_lottery(app, slug, password) for slug in slugs]
    report.extend(lottery)
    from shisetsu.demo.bookings import seed_bookings  # bookings for the demo groups

    report.extend(seed_bookings(app, slug) for slug in slugs)
    report.append("")
    report.append(
        "Demo sign-ins (synthetic; password from SHISETSU_DEMO_PASSWORD,"
        " default shisetsu-demo-2026):"
    )
    for c in credentials:
        secret = f"  TOTP secret {c.totp_secret}" if c.totp_secret else ""
        report.append(f"  {c.where:<22} {c.login:<16} {c.role:<12}{secret}")
    return report
