"""Known answers for the access-log chains (tenant and platform), and a tamper test per
hashed column and per network column beside the chain.

The expected digests were computed once, outside the code under test, with hashlib over
the documented encoding, which is written out again below (``documented_text``): an
entry's hash is ``sha256(prev_hash + "\\n" + JSON of its fields)`` with sorted keys, no
whitespace, non-ASCII kept as is and times as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; the
first ``prev_hash`` is ``sha256("shisetsu access log:" + scope)``. Changing the encoding
or the list of hashed fields changes these values and fails here.

Hash version 2 (the current one) hashes the address's network (``ip_prefix``) and
``network_digest`` = sha256 of the JSON ``{"ip", "salt", "user_agent"}`` instead of the raw
address and browser, so these can be reduced later (docs/privacy.md). The golden values
changed deliberately with it; the version-1 values (raw ``ip`` and ``user_agent`` hashed)
are kept below as ``GOLDEN_V1`` because entries written before version 2 still carry them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu import audit
from shisetsu.audit import chain
from shisetsu.audit.chain import HASHED_FIELDS, V1_FIELDS, entry_hash, genesis, v1_entry_hash
from shisetsu.audit.models import AccessLog, PlatformAccessLog
from shisetsu.extensions import db
from shisetsu.tenancy.binding import tenant_session
from tests.support.audit import entries_after, last_id
from tests.support.chains import RawTable, owner_of

# Every column of the log is hashed, except these: the two that form the chain itself, and
# the network data beside it, which verify checks against a hashed digest.
UNHASHED = {
    "prev_hash": "the link: it is the prefix of the hashed text, so it is covered anyway",
    "hash": "the digest of everything else; it cannot cover itself",
    "ip": "checked against network_digest while kept; dropped by a reduction",
    "user_agent": "checked against network_digest while kept; dropped by a reduction",
    "network_salt": "checked against network_digest; dropped by a reduction",
    "network_reduced_by": "covered by the batch digest of the reduction entry it names",
}
BESIDE = ("ip", "user_agent", "network_salt")
DOCUMENTED_FIELDS = (
    "action",
    "actor_id",
    "actor_kind",
    "actor_label",
    "at",
    "detail",
    "hash_version",
    "id",
    "ip_prefix",
    "network_digest",
    "purpose",
    "record_id",
    "record_type",
    "role",
)
DOCUMENTED_V1_FIELDS = (
    "action",
    "actor_id",
    "actor_kind",
    "actor_label",
    "at",
    "detail",
    "id",
    "ip",
    "purpose",
    "record_id",
    "record_type",
    "role",
    "user_agent",
)
SALT = "5a" * 32
GENESIS = {
    "regasu": "01028de6e6a1d48744a02325882df98d39de935e54071a0882931818217003f8",
    "platform": "eccd44d659cae378fca8eff68d66a8de6fa7b8d22c3a52c85b84c5b0d4ace33a",
}
ACTOR = audit.Actor("staff", 7, "counter-7", "counter", "192.0.2.44", "golden/1.0")
# (at, action, record id, purpose, actor) of three entries; the rest comes from ACTOR.
ENTRIES = [
    (datetime(2031, 4, 1, 0, 0, 0, tzinfo=UTC), audit.VIEW, "101", "本人確認", ACTOR),
    (datetime(2031, 4, 1, 0, 0, 1, 250000, tzinfo=UTC), "update", "102", "本人確認", ACTOR),
    (
        datetime(2031, 4, 1, 9, 30, tzinfo=UTC),
        audit.VIEW,
        "103",
        None,
        audit.Actor("staff", None, "counter-7", "counter", None, "golden/1.0"),
    ),
]
DETAIL = "窓口で閲覧"
FIRST_DIGEST = "6945bbe585252d8f2d6c3507a49160567b0a94b13640d9ce317f2ed9bafe7cea"
FIRST_TEXT = (
    '{"action":"view","actor_id":7,"actor_kind":"staff","actor_label":"counter-7",'
    '"at":"2031-04-01T00:00:00.000000Z","detail":"窓口で閲覧","hash_version":2,"id":1,'
    '"ip_prefix":"192.0.2.0/24","network_digest":"' + FIRST_DIGEST + '","purpose":"本人確認",'
    '"record_id":"101","record_type":"booking","role":"counter"}'
)
GOLDEN = {
    "regasu": [
        "4046846c4f44ab2101abf7be8097c1aca0543b201cc577b425e88ca407639fe3",
        "d27f378f4b1eb36fa1d2844c43c8360ecd9d59a36c42414ed3cb03694fa6550e",
        "dc80b0d09887dbac72d5849cfefc7182d80424be2b2d321b2e1709b4a6ca700e",
    ],
    "platform": [
        "5e0dec53af8fbfde1ce0a010a86cee89d45021257eeff0538e260010907e0f3e",
        "e5242d84eafd32d60b0dbcc039adca0cbc9c1548096924c4168cab33734b293e",
        "df2dc5a70642264a94dca54adf07abb3b52b155ebcc9a52321759c76b2d5da06",
    ],
}
FIRST_TEXT_V1 = (
    '{"action":"view","actor_id":7,"actor_kind":"staff","actor_label":"counter-7",'
    '"at":"2031-04-01T00:00:00.000000Z","detail":"窓口で閲覧","id":1,"ip":"192.0.2.44",'
    '"purpose":"本人確認","record_id":"101","record_type":"booking","role":"counter",'
    '"user_agent":"golden/1.0"}'
)
GOLDEN_V1 = {
    "regasu": [
        "7d625309dacdc8edd4ad7286579c87b2b53e995dbf27701862f6ca6eba9ebdf6",
        "2c74cff4ed213003d8a8d2829f52a22bc75495db23b960f0976de50fefe27266",
        "a252d95384ecc4ab398ac2e3deb6d036cffc7d34a3cf5545336f6e83a1556453",
    ],
    "platform": [
        "fcb41206194f81399e625dd816c35700bd88bc10e243b32dd419af34247498a7",
        "315a7716ee7ed8c64d704cf07316d15219dae2176232c9ef097bb0e3fb3a121f",
        "086ce68b62affdb40f4c9426813096aaa6e0e6f280dcd015f4af13c519fa1324",
    ],
}


@pytest.fixture(autouse=True)
def known_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every entry these tests write gets the same salt, so its stored hash is known."""
    monkeypatch.setattr(chain, "new_salt", lambda: SALT)


def documented_digest(ip: str | None, user_agent: str | None) -> str:
    text = json.dumps(
        {"ip": ip, "salt": SALT, "user_agent": user_agent},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def fields_of(entry_id: int, n: int) -> dict[str, Any]:
    """The version-2 hashed fields of entry ``n`` of ENTRIES stored under ``entry_id``."""
    v1 = v1_fields_of(entry_id, n)
    ip, agent = v1.pop("ip"), v1.pop("user_agent")
    return {
        **v1,
        "hash_version": 2,
        "ip_prefix": "192.0.2.0/24" if ip else None,
        "network_digest": documented_digest(ip, agent),
    }


def v1_fields_of(entry_id: int, n: int) -> dict[str, Any]:
    """The version-1 hashed fields of entry ``n`` of ENTRIES stored under ``entry_id``."""
    at, action, record_id, purpose, actor = ENTRIES[n]
    return {
        "id": entry_id,
        "at": at,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "role": actor.role,
        "action": action,
        "record_type": "booking",
        "record_id": record_id,
        "detail": DETAIL,
        "purpose": purpose,
        "ip": actor.ip,
        "user_agent": actor.user_agent,
    }


def documented_text(fields: dict[str, Any]) -> str:
    """The documented encoding, written out independently of the code's."""
    plain = dict(fields)
    plain["at"] = fields["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert sorted(plain) in (list(DOCUMENTED_FIELDS), list(DOCUMENTED_V1_FIELDS))
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def documented_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{documented_text(fields)}".encode()).hexdigest()


def append_entries(app: Flask, slug: str | None) -> list[int]:
    """ENTRIES appended to ``slug``'s log (``None``: the platform's); their ids."""
    if slug is None:
        with app.app_context():
            ids = [_record(db.session(), n) for n in range(len(ENTRIES))]
            db.session.commit()
            db.session.remove()
            return ids
    with tenant_session(app, slug) as session:
        ids = [_record(session, n) for n in range(len(ENTRIES))]
        session.commit()
    return ids


def _record(session: Any, n: int) -> int:
    at, action, record_id, purpose, actor = ENTRIES[n]
    entry = audit.record(
        session, action, "booking", record_id, detail=DETAIL, purpose=purpose, actor=actor, at=at
    )
    return int(entry.id)


def verify(app: Flask, slug: str | None) -> dict[str, Any]:
    where = ["--platform"] if slug is None else ["--tenant", slug]
    result = app.test_cli_runner().invoke(args=["audit", "verify", *where, "--json"])
    report: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    assert result.exit_code == (0 if report["ok"] else 1)
    return report


@pytest.mark.parametrize("model", [AccessLog, PlatformAccessLog])
def test_every_column_is_hashed_or_deliberately_not(model: Any) -> None:
    columns = {column.key for column in model.__table__.columns}
    assert set(HASHED_FIELDS) == set(DOCUMENTED_FIELDS)
    assert set(V1_FIELDS) == set(DOCUMENTED_V1_FIELDS)
    assert set(HASHED_FIELDS).isdisjoint(UNHASHED)
    assert columns == set(HASHED_FIELDS) | set(UNHASHED)


def test_the_documented_encoding_gives_the_known_network_digest() -> None:
    assert documented_digest("192.0.2.44", "golden/1.0") == FIRST_DIGEST
    assert chain.network_digest(SALT, "192.0.2.44", "golden/1.0") == FIRST_DIGEST
    assert chain.network_prefix("192.0.2.44") == "192.0.2.0/24"
    assert chain.network_prefix("2001:db8:1:2::9") == "2001:db8:1::/48"
    assert chain.network_prefix("not an address") is None


def test_version_1_entries_keep_their_known_hashes() -> None:
    """Entries written before version 2 hashed the raw address and browser."""
    assert documented_text(v1_fields_of(1, 0)) == FIRST_TEXT_V1
    for scope in ("regasu", "platform"):
        prev, hashes = genesis(scope), []
        for n in range(len(ENTRIES)):
            prev = v1_entry_hash(prev, v1_fields_of(n + 1, n))
            hashes.append(prev)
        assert hashes == GOLDEN_V1[scope]


def test_the_genesis_values_are_known() -> None:
    assert genesis("regasu") == GENESIS["regasu"]
    assert genesis("platform") == GENESIS["platform"]


def test_the_documented_encoding_gives_the_known_first_hash() -> None:
    assert documented_text(fields_of(1, 0)) == FIRST_TEXT
    expected = hashlib.sha256(f"{GENESIS['regasu']}\n{FIRST_TEXT}".encode()).hexdigest()
    assert expected == GOLDEN["regasu"][0]


@pytest.mark.parametrize("scope", ["regasu", "platform"])
def test_the_code_gives_the_known_chain(scope: str) -> None:
    prev, hashes = genesis(scope), []
    for n in range(len(ENTRIES)):
        prev = entry_hash(prev, fields_of(n + 1, n))
        hashes.append(prev)
    assert hashes == GOLDEN[scope]


@pytest.mark.parametrize("slug", ["regasu", None], ids=["tenant", "platform"])
def test_a_fresh_log_stores_the_known_chain(sqlite_app: Flask, slug: str | None) -> None:
    assert last_id(sqlite_app, slug) == 0  # a freshly provisioned log starts at genesis
    assert append_entries(sqlite_app, slug) == [1, 2, 3]
    rows = entries_after(sqlite_app, slug, 0)
    scope = slug or "platform"
    assert [r.prev_hash for r in rows] == [GENESIS[scope], *GOLDEN[scope][:2]]
    assert [r.hash for r in rows] == GOLDEN[scope]


@pytest.mark.parametrize("slug", ["regasu", None], ids=["tenant", "platform"])
def test_stored_hashes_follow_the_documented_encoding(any_app: Flask, slug: str | None) -> None:
    before = last_id(any_app, slug)
    ids = append_entries(any_app, slug)
    rows = entries_after(any_app, slug, before)
    assert [r.id for r in rows] == ids == [before + 1, before + 2, before + 3]
    prev = rows[0].prev_hash
    for n, row in enumerate(rows):
        assert row.prev_hash == prev
        assert row.hash == documented_hash(prev, fields_of(row.id, n))
        prev = row.hash


@pytest.mark.parametrize("column", DOCUMENTED_FIELDS + BESIDE)
@pytest.mark.parametrize("slug", ["regasu", None], ids=["tenant", "platform"])
def test_tampering_with_a_hashed_column_is_named(
    request: pytest.FixtureRequest, any_app: Flask, slug: str | None, column: str
) -> None:
    target = append_entries(any_app, slug)[1]  # every column of the middle entry is set
    scope, last = slug or "platform", target + 1
    intact = {"scope": scope, "ok": True, "checked": last, "last_id": last}
    assert verify(any_app, slug) == {**intact, "broken_id": None, "problem": None}
    table = RawTable(any_app, owner_of(request, any_app), slug, "access_log")
    with table.altered(target, column):
        if column == "id":
            problem = (
                f"entry {target} is missing (removed?): entry {target - 1} is followed by "
                f"entry {target + 1}"
            )
        elif column in BESIDE:
            problem = f"network data of entry {target} does not match its digest (altered)"
        else:
            problem = f"hash mismatch at entry {target} (entry altered)"
        assert verify(any_app, slug) == {
            "scope": scope,
            "ok": False,
            "checked": target - 1,
            "last_id": target - 1,
            "broken_id": target,
            "problem": problem,
        }
    assert verify(any_app, slug) == {**intact, "broken_id": None, "problem": None}


def test_every_column_of_the_tampered_entry_is_set(app: Flask) -> None:
    """The tamper tests alter the middle entry: it must hold a value in every column."""
    target = append_entries(app, "regasu")[1]
    with tenant_session(app, "regasu") as session:
        row = session.scalar(sa.select(AccessLog).where(AccessLog.id == target))
        assert row is not None
        assert all(getattr(row, name) is not None for name in HASHED_FIELDS + BESIDE)
