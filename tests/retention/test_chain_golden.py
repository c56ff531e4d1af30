"""Known answers for the deletion-certificate chain, and a tamper test per hashed column.

The expected digests were computed once, outside the code under test, with hashlib over
the documented encoding (written out again in ``documented_text``): a certificate's hash
is ``sha256(prev_hash + "\\n" + JSON of its content)`` with sorted keys, no whitespace,
non-ASCII kept, times as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` and dates as ISO; the first
``prev_hash`` is ``sha256("shisetsu deletion certificates:" + tenant slug)``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.retention import chain
from shisetsu.retention.models import DeletionCertificate
from shisetsu.tenancy.binding import tenant_session
from tests.support.chains import RawTable, owner_of

UNHASHED = {
    "id": "the surrogate key; the hashed number carries the sequence, and the order of ids "
    "is checked through the prev_hash links",
    "prev_hash": "the link: it is the prefix of the hashed text, so it is covered anyway",
    "hash": "the digest of everything else; it cannot cover itself",
}
DOCUMENTED_FIELDS = (
    "counts",
    "cutoff",
    "executed_by",
    "issued_at",
    "items",
    "number",
    "retention_months",
    "subjects",
    "trigger",
)
GENESIS = "99ff40bc6511ef3308b9b5cbf83373e6d010b8c4da37d0245684df77c093df80"
CONTENTS: list[dict[str, Any]] = [
    {
        "issued_at": datetime(2031, 4, 2, 18, 0, tzinfo=UTC),
        "trigger": "retention",
        "executed_by": "shisetsu.retention.jobs:purge_job",
        "retention_months": 12,
        "cutoff": date(2030, 4, 1),
        "counts": {"groups": 2, "accounts": 1},
        "items": ["accounts.email", "groups.name"],
        "subjects": {"group": [11, 12], "account": [5]},
    },
    {
        "issued_at": datetime(2031, 5, 10, 3, 15, 30, 500000, tzinfo=UTC),
        "trigger": "request",
        "executed_by": "resident #5",
        "retention_months": None,
        "cutoff": None,
        "counts": {"accounts": 1},
        "items": ["accounts.login"],
        "subjects": {"account": [5]},
    },
]
FIRST_TEXT = (
    '{"counts":{"accounts":1,"groups":2},"cutoff":"2030-04-01",'
    '"executed_by":"shisetsu.retention.jobs:purge_job","issued_at":"2031-04-02T18:00:00.000000Z",'
    '"items":["accounts.email","groups.name"],"number":"2031-000001","retention_months":12,'
    '"subjects":{"account":[5],"group":[11,12]},"trigger":"retention"}'
)
GOLDEN = [
    ("2031-000001", "1b8907ebd890d2b3031394c02ee838d4007642a2e6fd8b43ac7d030de7be8d60"),
    ("2031-000002", "4b877223dfbd5332d3f82607ba2e37acd9cf9313f3644492b72e0d6e676f6721"),
]


def documented_text(number: str, content: dict[str, Any]) -> str:
    """The documented encoding, written out independently of the code's."""
    plain = {**content, "number": number}
    plain["issued_at"] = content["issued_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    plain["cutoff"] = content["cutoff"].isoformat() if content["cutoff"] else None
    assert sorted(plain) == list(DOCUMENTED_FIELDS)
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def issue(app: Flask, slug: str = "regasu") -> list[tuple[int, str, str, str]]:
    """CONTENTS sealed as ``slug``'s next certificates: (id, number, prev_hash, hash)."""
    with tenant_session(app, slug) as session:
        certs = [chain.seal(session, DeletionCertificate(**c), slug) for c in CONTENTS]
        session.commit()
        return [(c.id, c.number, c.prev_hash, c.hash) for c in certs]


def verify(app: Flask, slug: str = "regasu") -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["retention", "verify", "--tenant", slug])
    return result.exit_code, result.output


def test_every_column_is_hashed_or_deliberately_not() -> None:
    columns = {column.key for column in DeletionCertificate.__table__.columns}
    assert set(chain.HASHED_FIELDS) == set(DOCUMENTED_FIELDS)
    assert set(chain.HASHED_FIELDS).isdisjoint(UNHASHED)
    assert columns == set(chain.HASHED_FIELDS) | set(UNHASHED)


def test_the_genesis_value_is_known() -> None:
    assert chain.genesis("regasu") == GENESIS


def test_the_documented_encoding_gives_the_known_first_hash() -> None:
    assert documented_text("2031-000001", CONTENTS[0]) == FIRST_TEXT
    expected = hashlib.sha256(f"{GENESIS}\n{FIRST_TEXT}".encode()).hexdigest()
    assert expected == GOLDEN[0][1]


def test_the_code_gives_the_known_chain() -> None:
    prev, hashes = GENESIS, []
    for (number, _), content in zip(GOLDEN, CONTENTS, strict=True):
        stored = {**content, "number": number}
        prev = chain.certificate_hash(prev, chain.content_of(DeletionCertificate(**stored)))
        hashes.append(prev)
    assert hashes == [digest for _, digest in GOLDEN]


def test_a_fresh_tenant_issues_the_known_chain(sqlite_app: Flask) -> None:
    issued = issue(sqlite_app)
    assert [(number, digest) for _, number, _, digest in issued] == GOLDEN
    assert [prev for _, _, prev, _ in issued] == [GENESIS, GOLDEN[0][1]]
    assert verify(sqlite_app) == (0, "regasu: intact, 2 certificates\n")


def test_stored_hashes_follow_the_documented_encoding(any_app: Flask) -> None:
    issued = issue(any_app)
    with tenant_session(any_app, "regasu") as session:
        ids = [cert_id for cert_id, *_ in issued]
        stmt = sa.select(DeletionCertificate).where(DeletionCertificate.id.in_(ids))
        stored = {c.id: (c.number, c.prev_hash, c.hash) for c in session.scalars(stmt)}
    assert issued[1][2] == issued[0][3]  # the second follows the first
    for (cert_id, number, prev, digest), content in zip(issued, CONTENTS, strict=True):
        assert stored[cert_id] == (number, prev, digest)
        text = documented_text(number, content)
        assert digest == hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()


@pytest.mark.parametrize("column", DOCUMENTED_FIELDS)
def test_tampering_with_a_hashed_column_is_named(
    request: pytest.FixtureRequest, any_app: Flask, column: str
) -> None:
    target = issue(any_app)[0][0]  # the first of the two: every column is set
    assert verify(any_app)[0] == 0
    table = RawTable(any_app, owner_of(request, any_app), "regasu", "deletion_certificates")
    with table.altered(target, column):
        number = table.get(target, "number")
        assert verify(any_app) == (1, f"regasu: BROKEN at certificate {number}\n")
    assert verify(any_app)[0] == 0
