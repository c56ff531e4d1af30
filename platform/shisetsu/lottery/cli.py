"""``shisetsu lottery …``: draw (or dry-run), verify, open and close rounds by hand.

A dry run never uses the committed seed (a throwaway one, or ``--seed``) and never writes.
``verify`` recomputes the draw from the revealed seed and the stored entries and exits 0
only if the result is identical. Closing or drawing before the published time needs
``--reason``; it is recorded as done by the system operator (no second approval).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from shisetsu.db import utcnow
from shisetsu.lottery import early, results, rounds
from shisetsu.lottery.models import CLOSED, LotteryRound
from shisetsu.tenancy.binding import UnknownTenant, tenant_session
from shisetsu.tenancy.runtime import current_runtime

lottery_cli = click.Group("lottery", help="The monthly lottery: draw, verify, open, close.")


@contextmanager
def _round(slug: str, round_id: int) -> Iterator[tuple[Session, LotteryRound]]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with tenant_session(app, slug) as session:
            rnd = rounds.get_round(session, round_id)
            if rnd is None:
                raise click.ClickException(f"no round {round_id} in tenant {slug!r}")
            yield session, rnd
    except UnknownTenant:
        raise click.ClickException(f"unknown tenant {slug!r}") from None


def _emit(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, sort_keys=True))
        return
    for key, value in data.items():
        if key != "result":
            click.echo(f"{key:<14} {value}")


@lottery_cli.command("draw")
@click.option("--tenant", "slug", required=True)
@click.option("--round", "round_id", type=int, required=True)
@click.option("--dry-run", is_flag=True, help="Preview with a throwaway seed; nothing is written.")
@click.option("--seed", help="Dry run only: a seed (64 hex digits) instead of a throwaway one.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--reason", help="Why, when drawing before the published time (published).")
@with_appcontext
def draw_command(
    slug: str, round_id: int, dry_run: bool, seed: str | None, as_json: bool, reason: str | None
) -> None:
    """Draw a closed round (idempotent), or preview it with --dry-run."""
    if seed is not None and not dry_run:
        raise click.UsageError("--seed is only for --dry-run")
    with _round(slug, round_id) as (session, rnd):
        if dry_run:
            try:
                given = bytes.fromhex(seed) if seed else None
                if given is not None and len(given) != 32:
                    raise ValueError("the seed must be 64 hex digits")
                result = results.dry_run(session, rnd, given)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None
            session.rollback()
            data = {"dry_run": True, "round": rnd.id, "state": rnd.state}
        else:
            try:
                now = utcnow()
                if rnd.state == CLOSED and early.is_early(rnd, "draw", now):
                    _early(session, rnd, "draw", reason)
                result = results.draw_round(session, current_runtime(), rnd, now=now)
            except (rounds.RoundStateError, results.LotteryTampered) as exc:
                raise click.ClickException(str(exc)) from None
            session.commit()
            data = {
                "dry_run": False,
                "round": rnd.id,
                "state": rnd.state,
                "seed": rnd.revealed_seed,
            }
        data.update(
            {
                "result_hash": result.result_hash,
                "allocated": len(result.allocation),
                "result": json.loads(result.to_json()),
            }
        )
        _emit(data, as_json)


@lottery_cli.command("verify")
@click.option("--tenant", "slug", required=True)
@click.option("--round", "round_id", type=int, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_appcontext
def verify_command(slug: str, round_id: int, as_json: bool) -> None:
    """Recompute the draw from the published seed and stored entries; exit 0 iff identical."""
    with _round(slug, round_id) as (session, rnd):
        ok, problems = results.verify_round(session, slug, rnd)
        session.rollback()
        data = {
            "ok": ok,
            "round": rnd.id,
            "commitment": rnd.commitment,
            "entries_hash": rnd.entries_hash,
            "result_hash": rnd.result_hash,
            "problems": problems,
        }
    _emit(data, as_json)
    if not ok:
        sys.exit(1)


def _early(session: Session, rnd: LotteryRound, action: str, reason: str | None) -> None:
    """Act before the published time as the system operator; refused without a reason."""
    if not (reason or "").strip():
        when = early.scheduled_at(rnd, action).isoformat()
        raise click.ClickException(
            f"round {rnd.id}: {action} before its published time ({when}) needs --reason"
        )
    try:
        early.request_early(
            session, current_runtime(), rnd, action, reason, early.SYSTEM, now=utcnow()
        )
    except early.EarlyRefused as exc:
        raise click.ClickException(f"round {rnd.id}: refused ({exc.code})") from None


@lottery_cli.command("close")
@click.option("--tenant", "slug", required=True)
@click.option("--round", "round_id", type=int, required=True)
@click.option("--reason", help="Why, when closing before the published time (published).")
@with_appcontext
def close_command(slug: str, round_id: int, reason: str | None) -> None:
    """Close a round now: freeze its entries and publish their hash (idempotent)."""
    with _round(slug, round_id) as (session, rnd):
        if early.is_early(rnd, "close", utcnow()):
            _early(session, rnd, "close", reason)
        rounds.close_round(session, rnd, now=utcnow())
        session.commit()
        click.echo(f"round {rnd.id}: {rnd.state}, entries hash {rnd.entries_hash}")


@lottery_cli.command("tick")
@click.option("--tenant", "slug", required=True)
@with_appcontext
def tick_command(slug: str) -> None:
    """Run the periodic lottery job once for a tenant (open/close/draw/release when due)."""
    from shisetsu.lottery.jobs import tick

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with tenant_session(app, slug) as session:
        done = tick(session)
        session.commit()
    click.echo(json.dumps(done, ensure_ascii=False, sort_keys=True))
