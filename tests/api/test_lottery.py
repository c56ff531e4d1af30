"""Lottery API: rounds (commitment, seed null until drawn), entering, errors, other tenants."""

from __future__ import annotations

from flask import Flask

from tests.fixtures.auth import PASSWORD
from tests.support.api import bearer
from tests.support.lottery import CLOSE, group, lottery_slot_ids, open_round, step

TENANT = "genkikan"


def token(app: Flask, login: str) -> dict[str, str]:
    client = app.test_client()
    response = client.post(f"/api/v1/{TENANT}/tokens", json={"login": login, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return bearer(response.get_json()["token"])


def test_rounds_entries_and_errors(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    s1, s2 = lottery_slot_ids(any_app, TENANT, rid, 2)
    resident, _gid = group(any_app, TENANT)
    client = any_app.test_client()
    auth = token(any_app, resident.login)

    listed = client.get(f"/api/v1/{TENANT}/lottery/rounds").get_json()["rounds"]
    mine = next(r for r in listed if r["id"] == rid)
    assert mine["state"] == "open" and mine["seed"] is None and len(mine["commitment"]) == 64
    detail = client.get(f"/api/v1/{TENANT}/lottery/rounds/{rid}").get_json()
    assert {s["id"]: s["state"] for s in detail["slots"]}[s1] == "lottery"

    url = f"/api/v1/{TENANT}/lottery/rounds/{rid}/entries"
    assert client.post(url, json={"choices": [[s1]]}).status_code == 401
    created = client.post(url, json={"choices": [[s1], [s2]]}, headers=auth)
    assert created.status_code == 201, created.get_json()
    assert [c["slots"] for c in created.get_json()["choices"]] == [[s1], [s2]]
    got = client.get(url, headers=auth).get_json()["entries"]
    assert got[0]["choices"][0] == {"rank": 1, "slots": [s1]}

    dup = client.post(url, json={"choices": [[s1], [s1]]}, headers=auth)
    assert dup.status_code == 422
    assert "duplicate_slot" in {v["code"] for v in dup.get_json()["error"]["violations"]}
    many = client.post(url, json={"choices": [[s1]] * 6}, headers=auth)
    assert many.status_code == 422

    # another tenant's round id is a 404
    assert client.get(f"/api/v1/regasu/lottery/rounds/{rid + 100000}").status_code == 404

    step(any_app, TENANT, CLOSE)
    closed = client.post(url, json={"choices": [[s2]]}, headers=auth)
    assert closed.status_code == 409
    assert closed.get_json()["error"]["code"] == "entries_closed"
