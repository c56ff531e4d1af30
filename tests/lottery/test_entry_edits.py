"""Concurrent edits of one group's lottery entry (two tabs, the API and the web) are
serialised: the entry row is locked, and an edit from an outdated version is a 409
``entry_changed`` with a clear message, never a 500, a duplicate or a lost choice."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.lottery.models import LotteryChoice, LotteryEntry
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.apps import PgDatabase, _dispose, pooled_pg_app
from tests.fixtures.auth import PASSWORD, Ref, sign_in_as
from tests.support.api import assert_error, bearer
from tests.support.lottery import group, lottery_slot_ids, open_round
from tests.support.races import run_racers

TENANT = "genkikan"
RACERS = 20
VERSION = re.compile(r'name="version" value="([^"]+)"')


@pytest.fixture
def pool_app(pg_database: PgDatabase, tmp_path: Path) -> Iterator[Flask]:
    """An app on PostgreSQL with a pool large enough for every racer at once."""
    app = pooled_pg_app(pg_database, tmp_path / "instance", RACERS + 5)
    yield app
    _dispose(app)


def api_token(app: Flask, resident: Ref) -> dict[str, str]:
    response = app.test_client().post(
        f"/api/v1/{TENANT}/tokens", json={"login": resident.login, "password": PASSWORD}
    )
    assert response.status_code == 201, response.get_json()
    return bearer(response.get_json()["token"])


def entries_url(rid: int) -> str:
    return f"/api/v1/{TENANT}/lottery/rounds/{rid}/entries"


def stored(app: Flask, rid: int, gid: int) -> list[list[list[str]]]:
    """Every entry of the group in the round, each as its choices by rank."""
    with tenant_session(app, TENANT) as session:
        entries = session.scalars(
            sa.select(LotteryEntry).where(
                LotteryEntry.round_id == rid, LotteryEntry.group_id == gid
            )
        ).all()
        return [
            [
                list(c.slot_ids)
                for c in session.scalars(
                    sa.select(LotteryChoice)
                    .where(LotteryChoice.entry_id == e.id)
                    .order_by(LotteryChoice.rank)
                )
            ]
            for e in entries
        ]


def api_post(
    app: Flask, rid: int, auth: dict[str, str], body: dict[str, object]
) -> Callable[[], object]:
    """A racer entering ``body`` through the API with its own client."""
    client = app.test_client()
    return lambda: client.post(entries_url(rid), json=body, headers=auth)


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call in its own thread, released together."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], object]) -> Callable[[], object]:
        def racer() -> object:
            barrier.wait(timeout=30)
            return call()

        return racer

    return run_racers(*(released(c) for c in calls), timeout=120)


def statuses(results: list[object]) -> list[int]:
    problems = [r for r in results if isinstance(r, BaseException)]
    assert problems == []
    return sorted(r.status_code for r in results)  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_twenty_first_entries_from_the_api_one_wins(pool_app: Flask) -> None:
    rid = open_round(pool_app, TENANT)
    slots = lottery_slot_ids(pool_app, TENANT, rid, RACERS)
    resident, gid = group(pool_app, TENANT)
    auth = api_token(pool_app, resident)

    racers = [api_post(pool_app, rid, auth, {"choices": [[s]], "version": "new"}) for s in slots]
    results = at_once(racers)
    assert statuses(results) == [201] + [409] * (RACERS - 1)
    for lost in (r for r in results if r.status_code == 409):  # type: ignore[attr-defined]
        assert_error(lost, 409, "entry_changed")  # type: ignore[arg-type]
    ((choices),) = stored(pool_app, rid, gid)
    assert len(choices) == 1 and choices[0][0] in slots


@pytest.mark.postgres
def test_twenty_api_edits_without_a_version_are_serialised(pool_app: Flask) -> None:
    rid = open_round(pool_app, TENANT)
    slots = lottery_slot_ids(pool_app, TENANT, rid, 3)
    resident, gid = group(pool_app, TENANT)
    auth = api_token(pool_app, resident)

    racers = [
        api_post(pool_app, rid, auth, {"choices": [[slots[(n + k) % 3]] for k in range(3)]})
        for n in range(RACERS)
    ]
    assert statuses(at_once(racers)) == [201] * RACERS
    ((choices),) = stored(pool_app, rid, gid)  # one entry, one whole set of choices
    assert sorted(c[0] for c in choices) == sorted(slots)


@pytest.mark.postgres
def test_twenty_tabs_and_the_api_on_one_version(pool_app: Flask) -> None:
    rid = open_round(pool_app, TENANT)
    slots = lottery_slot_ids(pool_app, TENANT, rid, RACERS)
    resident, gid = group(pool_app, TENANT)
    auth = api_token(pool_app, resident)
    first = pool_app.test_client().post(
        entries_url(rid), json={"choices": [[slots[0]]]}, headers=auth
    )
    assert first.status_code == 201
    version = first.get_json()["version"]

    def tab(slot: str) -> Callable[[], object]:
        client = pool_app.test_client()
        sign_in_as(client, pool_app, resident)
        page = client.get(f"/{TENANT}/lottery/rounds/{rid}/enter/review?group={gid}")
        assert VERSION.search(page.get_data(as_text=True)).group(1) == version  # type: ignore[union-attr]
        data = {"group": gid, "choice1": slot, "version": version}
        return lambda: client.post(f"/{TENANT}/lottery/rounds/{rid}/enter", data=data)

    def api(slot: str) -> Callable[[], object]:
        return api_post(pool_app, rid, auth, {"choices": [[slot]], "version": version})

    calls = [tab(s) if n % 2 else api(s) for n, s in enumerate(slots[1:], start=1)]
    results = at_once(calls)
    codes = statuses(results)
    assert codes.count(409) == len(calls) - 1 and set(codes) - {409} <= {201, 302}
    lost_pages = [
        r.get_data(as_text=True)  # type: ignore[attr-defined]
        for r in results
        if r.status_code == 409 and r.mimetype == "text/html"  # type: ignore[attr-defined]
    ]
    assert lost_pages and all("別の画面または別の操作で変更" in p for p in lost_pages)
    ((choices),) = stored(pool_app, rid, gid)
    assert len(choices) == 1 and choices[0][0] in slots[1:]


def test_an_outdated_version_is_refused(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    s1, s2 = lottery_slot_ids(any_app, TENANT, rid, 2)
    resident, gid = group(any_app, TENANT)
    auth = api_token(any_app, resident)
    client: FlaskClient = any_app.test_client()
    made = client.post(entries_url(rid), json={"choices": [[s1]], "version": "new"}, headers=auth)
    assert made.status_code == 201
    version = made.get_json()["version"]
    again = client.post(entries_url(rid), json={"choices": [[s2]], "version": "new"}, headers=auth)
    assert_error(again, 409, "entry_changed")
    edited = client.post(
        entries_url(rid), json={"choices": [[s2]], "version": version}, headers=auth
    )
    assert edited.status_code == 201 and edited.get_json()["version"] != version
    stale = client.post(
        entries_url(rid), json={"choices": [[s1]], "version": version}, headers=auth
    )
    assert_error(stale, 409, "entry_changed")
    assert stored(any_app, rid, gid) == [[[s2]]]
