"""The hash chain of an access log: appending under a lock, and walking it to verify.

Generic over the two logs (tenant and platform): each function takes the entry and head
models. An entry's hash is the :mod:`shisetsu.hashchain` link hash of its fields
including its id, so altering a field, renumbering, removing or reordering entries breaks
the chain at a place :func:`verify` names. The first entry's ``prev_hash`` is a genesis
value derived from the log's scope (the tenant slug, or ``platform``), so one tenant's log
cannot be passed off as another's.

Appending is linear: on PostgreSQL the head row is locked (``SELECT … FOR UPDATE``) until
the transaction ends, so concurrent appends queue; SQLite has one writer at a time (a
second writer that read a stale head fails on the primary key instead of forking).

What this cannot stop: the database superuser (or whoever owns the SQLite file) can rewrite
the whole chain from the altered entry on. Verification detects everything short of that;
keeping an exported head hash elsewhere (the ward's copy) closes the gap.

**Network data (hash version 2).** The client's address and browser are personal data kept
only for ``[retention] access_log_network_days``. So a version-2 entry hashes a salted
digest of them (``network_digest``) and the address's network (``ip_prefix``: /24 or /48)
instead of the raw values; the raw values and the salt sit beside the chain and
:func:`verify` checks them against the digest while they are there. Reducing an entry
(:func:`reduce_network`) drops address, browser and salt — without the salt the digest
cannot be matched against guessed addresses — and names the log entry that recorded the
reduction (``network_reduced_by``). That entry's ``detail`` carries a digest over the
reduced entries (:func:`batch_digest`), so what was reduced is itself chained. Entries
written before version 2 (version 1) hashed the raw values; they stay verifiable as they
were until reduced, and once reduced their other fields are covered by the batch digest.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu import hashchain

HEAD_ID = 1
#: The fields every version hashes.
COMMON_FIELDS = (
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "role",
    "action",
    "record_type",
    "record_id",
    "detail",
    "purpose",
)
#: Version 1 (entries written before network data could be reduced): the raw values.
V1_FIELDS = (*COMMON_FIELDS, "ip", "user_agent")
#: Version 2: the network and a salted digest of address and browser, and the version.
HASHED_FIELDS = (*COMMON_FIELDS, "hash_version", "ip_prefix", "network_digest")
HASH_VERSION = 2
#: Beside the chain: checked against ``network_digest``, dropped by a reduction.
NETWORK_FIELDS = ("ip", "user_agent", "network_salt")
#: The action of the entry that records a reduction, and the digest in its ``detail``.
NETWORK_REDUCED = "network_reduced"
_BATCH_DIGEST = re.compile(r"sha256 ([0-9a-f]{64})")
IPV4_PREFIX, IPV6_PREFIX = 24, 48


def genesis(scope: str) -> str:
    """The ``prev_hash`` of a log's first entry."""
    return hashchain.genesis("access log", scope)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash a version-2 entry with ``fields`` after ``prev_hash`` must carry."""
    return hashchain.link_hash(prev_hash, hashchain.plain_fields(fields, HASHED_FIELDS))


def v1_entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of a version-1 entry (raw address and browser hashed)."""
    return hashchain.link_hash(prev_hash, hashchain.plain_fields(fields, V1_FIELDS))


def network_prefix(ip: str | None) -> str | None:
    """The network of ``ip`` (``192.0.2.0/24``, ``2001:db8:1::/48``); None if not an address."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    bits = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def network_digest(salt: str, ip: str | None, user_agent: str | None) -> str:
    """sha256 of the salted address and browser (canonical JSON, like the chain's)."""
    text = hashchain.canonical({"ip": ip, "salt": salt, "user_agent": user_agent})
    return hashlib.sha256(text.encode()).hexdigest()


def new_salt() -> str:
    """A fresh 256-bit salt for one entry's network digest."""
    return secrets.token_hex(32)


def with_network_fields(fields: dict[str, Any], salt: str | None = None) -> dict[str, Any]:
    """``fields`` with the version-2 network columns added (a fresh salt unless given)."""
    salt = salt or new_salt()
    ip, agent = fields.get("ip"), fields.get("user_agent")
    return {
        **fields,
        "hash_version": HASH_VERSION,
        "ip_prefix": network_prefix(ip),
        "network_salt": salt,
        "network_digest": network_digest(salt, ip, agent),
    }


def reduced_line(entry: Any) -> str:
    """One reduced entry's line in its batch digest: the id and what proves its content."""
    if entry.hash_version == 1:
        content = {name: getattr(entry, name) for name in COMMON_FIELDS}
        text = hashchain.canonical(hashchain.plain_fields(content, COMMON_FIELDS))
        return f"{entry.id}:v1:{hashlib.sha256(text.encode()).hexdigest()}"
    return f"{entry.id}:v2:{entry.hash}"


def batch_digest(lines: list[str]) -> str:
    """The digest over a reduction's lines (in id order) that its log entry carries."""
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def batch_detail(count: int, last_id: int, digest: str) -> str:
    """The ``detail`` of the entry recording a reduction (figures and the batch digest)."""
    return f"{count} entries through #{last_id}; sha256 {digest}"


def append(
    session: Session, log_model: Any, head_model: Any, scope: str, fields: dict[str, Any]
) -> Any:
    """Add one entry after the head (locked until the caller's transaction ends); flushed."""
    head = session.scalar(
        sa.select(head_model)
        .where(head_model.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)  # the row as locked, never a stale copy
    )
    if head is None:
        raise RuntimeError(f"{head_model.__tablename__} has no head row: run the migrations")
    prev_hash = head.last_hash or genesis(scope)
    values = with_network_fields({**fields, "id": int(head.last_id) + 1})
    entry = log_model(**values, prev_hash=prev_hash, hash=entry_hash(prev_hash, values))
    session.add(entry)
    head.last_id, head.last_hash = entry.id, entry.hash
    session.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    """Result of walking a chain: intact, or the first broken entry and why."""

    scope: str
    checked: int
    last_id: int
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "ok": self.ok,
            "checked": self.checked,
            "last_id": self.last_id,
            "broken_id": self.broken_id,
            "problem": self.problem,
        }


def verify(session: Session, log_model: Any, head_model: Any, scope: str) -> Verdict:
    """Walk the log in id order; stop at the first entry that breaks the chain."""
    result = session.execute(
        sa.select(log_model).order_by(log_model.id).execution_options(yield_per=500)
    )
    try:
        return _walk(session, result.scalars(), head_model, scope)
    finally:
        result.close()  # a server-side cursor on PostgreSQL, also when stopping early


@dataclass
class _Batches:
    """The reduced entries seen so far, by the id of the entry that recorded the reduction."""

    lines: dict[int, list[str]] = field(default_factory=dict)
    first: dict[int, int] = field(default_factory=dict)

    def add(self, by: int, entry: Any) -> None:
        self.lines.setdefault(by, []).append(reduced_line(entry))
        self.first.setdefault(by, entry.id)


def _content_problem(entry: Any, batches: _Batches) -> str | None:
    """Why ``entry``'s own fields do not match its hash (None: they do)."""
    fields = {name: getattr(entry, name) for name in {*V1_FIELDS, *HASHED_FIELDS}}
    altered = f"hash mismatch at entry {entry.id} (entry altered)"
    reduced_by = entry.network_reduced_by
    if entry.hash_version not in (1, HASH_VERSION):
        return altered
    if reduced_by is not None:
        if reduced_by <= entry.id:
            return f"entry {entry.id} names entry {reduced_by} as its reduction (altered)"
        if any(getattr(entry, name) is not None for name in NETWORK_FIELDS):
            return f"network data of entry {entry.id} does not match its digest (altered)"
        batches.add(reduced_by, entry)
        if entry.hash_version == 1:
            return None  # its content is covered by the reduction's batch digest
        return None if entry_hash(entry.prev_hash, fields) == entry.hash else altered
    if entry.hash_version == 1:
        return None if v1_entry_hash(entry.prev_hash, fields) == entry.hash else altered
    if entry_hash(entry.prev_hash, fields) != entry.hash:
        return altered
    salt = entry.network_salt
    if salt is None or network_digest(salt, entry.ip, entry.user_agent) != entry.network_digest:
        return f"network data of entry {entry.id} does not match its digest (altered)"
    return None


def _batch_problem(entry: Any, batches: _Batches) -> str | None:
    """Why the entries a reduction entry recorded do not match its digest (None: they do)."""
    lines = batches.lines.pop(entry.id, [])
    batches.first.pop(entry.id, None)
    if entry.action != NETWORK_REDUCED:
        return None if not lines else f"entries name entry {entry.id} as their reduction"
    found = _BATCH_DIGEST.search(entry.detail or "")
    if found is None or batch_digest(lines) != found.group(1):
        return (
            f"the entries reduced by entry {entry.id} do not match its record (an entry "
            "was reduced, or its fields altered, behind the log's back)"
        )
    return None


def _walk(session: Session, rows: Iterable[Any], head_model: Any, scope: str) -> Verdict:
    expected_prev, expected_id, checked = genesis(scope), 1, 0
    batches = _Batches()
    for entry in rows:
        if entry.id != expected_id:
            first = "the first entry" if expected_id == 1 else f"entry {expected_id - 1}"
            return _broken(
                scope,
                checked,
                expected_id,
                f"entry {expected_id} is missing (removed?): {first} is followed by "
                f"entry {entry.id}",
            )
        if entry.prev_hash != expected_prev:
            what = "the genesis value" if expected_id == 1 else f"the hash of entry {entry.id - 1}"
            return _broken(
                scope,
                checked,
                entry.id,
                f"prev_hash of entry {entry.id} does not match {what} (an entry before it was "
                "altered, removed or re-inserted)",
            )
        problem = _content_problem(entry, batches) or _batch_problem(entry, batches)
        if problem is not None:
            return _broken(scope, checked, entry.id, problem)
        expected_prev, expected_id, checked = entry.hash, expected_id + 1, checked + 1
    last_id = expected_id - 1
    if batches.first:
        first_id = min(batches.first.values())
        return _broken(
            scope,
            first_id - 1,
            first_id,
            f"entry {first_id} names a reduction the log does not hold (altered)",
        )
    head = session.get(head_model, HEAD_ID)
    head_id = int(head.last_id) if head is not None else -1
    head_hash = (head.last_hash or genesis(scope)) if head is not None else None
    if head_id != last_id or head_hash != expected_prev:
        return _broken(
            scope,
            checked,
            last_id + 1 if head_id > last_id else last_id,
            f"the head records entry {head_id} as the newest but the log ends at entry "
            f"{last_id} (entries removed from the end, or the head altered)",
        )
    return Verdict(scope, checked, last_id)


def _broken(scope: str, checked: int, entry_id: int, problem: str) -> Verdict:
    # Entries 1..checked were intact.
    return Verdict(scope, checked, checked, broken_id=entry_id, problem=problem)
