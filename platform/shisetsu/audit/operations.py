"""Writing and reading the access log.

:func:`record` appends in the caller's transaction, so a change and its log entry commit
(or roll back) together; :func:`record_view` is for read-only views, which otherwise never
commit, and commits at once. The actor is taken from the request (signed-in principal, IP,
browser) unless given; outside a request it is ``system`` (jobs, CLI).

What an entry may hold: the login of a staff member or auditor (a resident is always
``#<account id>``: their login ID is chosen by them, may be an email address or their name,
and must not outlive their account's erasure in a log that cannot be rewritten), the kind
and id of the record, and a short ``detail``
such as "approved" or "role handler → counter". Never names, addresses, phone numbers or
the text someone typed: a login that does not exist is stored as a keyed digest, since
people sometimes type their password into the login field.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from shisetsu.audit import anchors, chain
from shisetsu.audit.models import AccessLog, AccessLogHead, PlatformAccessLog, PlatformAccessLogHead
from shisetsu.db import TENANT_KEY, utcnow
from shisetsu.extensions import db
from shisetsu.tenancy.binding import tenant_session

VIEW, EXPORT, CREATE, UPDATE, DELETE = "view", "export", "create", "update", "delete"
# A search over personal data (the counter's group search): how it matched and how many
# results, never the text typed.
SEARCH = "search"
# Paper: a page or PDF with personal data printed through the print action.
PRINT = "print"
# A tenant replaced by a backup: logged in the platform log and in the restored tenant's.
RESTORE = "restore"
# Old entries' client address and browser dropped after the tenant's retention period.
NETWORK_REDUCED = chain.NETWORK_REDUCED
LOGIN_SUCCESS, LOGIN_FAILURE = "login_success", "login_failure"
PERMISSION_CHANGE, INCIDENT, ANALYSIS, REVIEW = (
    "permission_change",
    "incident_report",
    "analysis",
    "review",
)
# Actions that touch personal data (what the analysis counts as "viewing").
PERSONAL_DATA_ACTIONS = (VIEW, EXPORT, PRINT)
SYSTEM, ANONYMOUS = "system", "anonymous"
# The record type a principal's own row has in the log.
RECORD_TYPE_OF_KIND = {"resident": "account", "staff": "staff", "auditor": "auditor"}
PLATFORM_SCOPE = "platform"


@dataclass(frozen=True)
class Actor:
    """Who did it, in which role, from where."""

    kind: str
    id: int | None = None
    label: str | None = None
    role: str | None = None
    ip: str | None = None
    user_agent: str | None = None


SYSTEM_ACTOR = Actor(SYSTEM, label=SYSTEM)


def principal_label(kind: str, record: Any) -> str:
    """The login shown in the log; a resident is ``#<id>`` (see the module docstring)."""
    login = str(getattr(record, "login", "") or "")
    if kind == "resident":
        return f"#{record.id}"
    return login[:80]


def unknown_login_label(typed: str | None) -> str:
    """A login nobody has, as a short keyed digest: never the typed text, and not
    reversible by hashing guessed email addresses without the app's secret key."""
    return "?" + typed_digest(typed)


def typed_digest(typed: str | None) -> str:
    """A short keyed digest of text someone typed: the same text gives the same digest (an
    auditor can match a suspected search), but the log never holds the text itself."""
    value = (typed or "").strip().lower().encode()
    key = str(current_app.config.get("SECRET_KEY") or "").encode() if has_app_context() else b""
    return hmac.new(key, value, hashlib.sha256).hexdigest()[:16]


def request_actor() -> Actor:
    """The signed-in principal (or anonymous) of this request, with IP and browser."""
    agent = request.user_agent.string[:200] or None
    user = current_user
    if user is not None and user.is_authenticated:
        return Actor(
            user.kind,
            user.id,
            principal_label(user.kind, user.record),
            user.role,
            request.remote_addr,
            agent,
        )
    return Actor(ANONYMOUS, ip=request.remote_addr, user_agent=agent)


def current_actor() -> Actor:
    """The request's actor, or ``system`` outside a request (jobs, CLI)."""
    return request_actor() if has_request_context() else SYSTEM_ACTOR


def log_models(session: Session) -> tuple[Any, Any, str]:
    """(entry model, head model, scope) of the log this session writes to."""
    tenant = session.info.get(TENANT_KEY)
    if tenant is None:
        return PlatformAccessLog, PlatformAccessLogHead, PLATFORM_SCOPE
    return AccessLog, AccessLogHead, tenant.slug


def _short(value: object, limit: int) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(
    session: Session,
    action: str,
    record_type: str | None = None,
    record_id: object = None,
    *,
    detail: str | None = None,
    purpose: str | None = None,
    actor: Actor | None = None,
    at: datetime | None = None,
) -> AccessLog | PlatformAccessLog:
    """Append one entry to the log of ``session``'s tenant (or the platform's); flushed.

    The caller commits, with the change the entry reports.
    """
    who = actor or current_actor()
    log_model, head_model, scope = log_models(session)
    fields = {
        "at": at or utcnow(),
        "actor_kind": who.kind,
        "actor_id": who.id,
        "actor_label": _short(who.label, 80),
        "role": who.role,
        "action": action,
        "record_type": record_type,
        "record_id": None if record_id is None else _short(record_id, 64),
        "detail": _short(detail, 200),
        "purpose": _short(purpose, 200),
        "ip": who.ip,
        "user_agent": _short(who.user_agent, 200),
    }
    entry: AccessLog | PlatformAccessLog = chain.append(
        session, log_model, head_model, scope, fields
    )
    anchors.note(session, anchors.ACCESS_LOG, entry.id, entry.hash)
    return entry


def record_view(
    session: Session,
    record_type: str,
    record_id: object,
    *,
    detail: str | None = None,
    purpose: str | None = None,
) -> None:
    """Log that the current user is shown personal data, and commit (for read-only views)."""
    record(session, VIEW, record_type, record_id, detail=detail, purpose=purpose)
    session.commit()


def record_search(
    session: Session, record_type: str, query: str, matched_by: str, results: int
) -> None:
    """Log a search over personal data and commit: what it matched on (``name``, ``phone``),
    the query's length and keyed digest, and how many records it listed."""
    detail = f"{matched_by}, {len(query)} chars, {results} results, q {typed_digest(query)}"
    record(session, SEARCH, record_type, None, detail=detail)
    session.commit()


def record_for_tenant(
    app: Flask,
    slug: str,
    action: str,
    record_type: str | None = None,
    record_id: object = None,
    *,
    actor: Actor | None = None,
    detail: str | None = None,
    purpose: str | None = None,
) -> int:
    """Log in ``slug``'s log even when this request is not bound to it (auditors); commits.

    The actor is taken from the request *before* the tenant session opens (inside it the
    auditor is not a principal of that tenant). Returns the new entry's id.
    """
    who = actor or current_actor()
    fields: dict[str, Any] = {"actor": who, "detail": detail, "purpose": purpose}
    session = db.session() if has_app_context() else None
    bound = session.info.get(TENANT_KEY) if session is not None else None
    if session is not None and bound is not None and bound.slug == slug:
        entry_id = record(session, action, record_type, record_id, **fields).id
        session.commit()
        return entry_id
    with tenant_session(app, slug) as own:
        entry_id = record(own, action, record_type, record_id, **fields).id
        own.commit()
    return entry_id


def _signing_in(kind: str, record_: Any, typed: str | None) -> Actor:
    base = request_actor() if has_request_context() else SYSTEM_ACTOR
    if record_ is None:
        return replace(base, kind=ANONYMOUS, id=None, label=unknown_login_label(typed), role=None)
    role = str(record_.role) if kind == "staff" else kind
    return replace(base, kind=kind, id=record_.id, label=principal_label(kind, record_), role=role)


def record_login(session: Session, kind: str, record_: Any, *, detail: str | None = None) -> None:
    """A completed sign-in of ``record_`` (a resident, staff member or auditor)."""
    actor = _signing_in(kind, record_, None)
    record(
        session,
        LOGIN_SUCCESS,
        RECORD_TYPE_OF_KIND[kind],
        record_.id,
        detail=detail,
        actor=actor,
    )


def record_login_failure(
    session: Session, kind: str, record_: Any | None, *, reason: str, typed: str | None = None
) -> None:
    """A refused sign-in: wrong password or code, locked, unverified, unknown login.

    The actor is anonymous (nobody proved who they are) but labelled with the login tried,
    so repeated failures against one login can be found.
    """
    actor = _signing_in(kind, record_, typed)
    actor = replace(actor, kind=ANONYMOUS, id=None, role=None)
    target = None if record_ is None else record_.id
    record(session, LOGIN_FAILURE, RECORD_TYPE_OF_KIND[kind], target, detail=reason, actor=actor)


def record_sign_in(
    session: Session, kind: str, record_: Any | None, *, ok: bool, reason: str, typed: str | None
) -> None:
    """A one-step sign-in (residents): success, or a refusal for ``reason``."""
    if ok and record_ is not None:
        record_login(session, kind, record_)
    else:
        record_login_failure(session, kind, record_, reason=reason, typed=typed)


def record_password_step(
    session: Session, kind: str, record_: Any | None, typed: str | None, outcome: str
) -> None:
    """The password step of a two-step sign-in: only a refusal is logged (success comes later)."""
    if outcome != "ok":
        record_login_failure(session, kind, record_, reason=outcome, typed=typed)


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LogQuery:
    """Filters of an access-log search (all optional; ``until`` is exclusive)."""

    actor: str | None = None
    action: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


def search(session: Session, query: LogQuery) -> list[Any]:
    """Entries matching ``query``, newest first (at most ``query.limit``)."""
    model = log_models(session)[0]
    where = []
    if query.actor:
        where.append(model.actor_label == query.actor.strip()[:80])
    if query.action:
        where.append(model.action == query.action)
    if query.record_type:
        where.append(model.record_type == query.record_type)
    if query.record_id:
        where.append(model.record_id == query.record_id)
    if query.since is not None:
        where.append(model.at >= query.since)
    if query.until is not None:
        where.append(model.at < query.until)
    stmt = sa.select(model).where(*where).order_by(model.id.desc()).limit(max(1, query.limit))
    return list(session.scalars(stmt))


def verify_log(session: Session) -> chain.Verdict:
    """Walk the whole log of ``session``'s tenant (or the platform's)."""
    log_model, head_model, scope = log_models(session)
    verdict = chain.verify(session, log_model, head_model, scope)
    if not verdict.ok or scope == PLATFORM_SCOPE:
        return verdict
    rewound = anchors.check(
        scope,
        anchors.ACCESS_LOG,
        verdict.last_id,
        lambda entry_id: session.scalar(sa.select(log_model.hash).where(log_model.id == entry_id)),
    )
    if rewound is None:
        return verdict
    return chain.Verdict(scope, verdict.checked, verdict.last_id, rewound[0], rewound[1])


@dataclass(frozen=True)
class Reduction:
    """What one reduction run did: entries reduced, the entries recording it, or a refusal."""

    reduced: int = 0
    recorded_by: tuple[int, ...] = ()
    refused: str | None = None


REDUCTION_BATCH = 2000


def _unreduced_before(session: Session, before: datetime, limit: int) -> list[AccessLog]:
    query = (
        sa.select(AccessLog)
        .where(
            AccessLog.at < before,
            AccessLog.network_reduced_by.is_(None),
            sa.or_(
                AccessLog.ip.is_not(None),
                AccessLog.user_agent.is_not(None),
                AccessLog.network_salt.is_not(None),
            ),
        )
        .order_by(AccessLog.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _intact(entry: AccessLog) -> bool:
    """Whether the entry's network data still matches what its hash covers."""
    fields = {name: getattr(entry, name) for name in {*chain.V1_FIELDS, *chain.HASHED_FIELDS}}
    if entry.hash_version == 1:
        return chain.v1_entry_hash(entry.prev_hash, fields) == entry.hash
    salt = entry.network_salt
    return (
        chain.entry_hash(entry.prev_hash, fields) == entry.hash
        and salt is not None
        and chain.network_digest(salt, entry.ip, entry.user_agent) == entry.network_digest
    )


def reduce_network_data(
    session: Session, *, before: datetime, batch: int = REDUCTION_BATCH
) -> Reduction:
    """Drop the address, browser and salt of the tenant's entries older than ``before``.

    Each batch is recorded first (one ``network_reduced`` entry whose detail carries the
    batch digest, see :mod:`shisetsu.audit.chain`), then the rows name that entry. An
    entry whose network data no longer matches its hash is never reduced (that would hide
    the tampering): the run stops and says which. The caller commits.
    """
    total, recorded = 0, list[int]()
    while True:
        rows = _unreduced_before(session, before, batch)
        if not rows:
            return Reduction(total, tuple(recorded))
        broken = next((row.id for row in rows if not _intact(row)), None)
        if broken is not None:
            return Reduction(total, tuple(recorded), refused=f"entry {broken} is altered")
        lines = [chain.reduced_line(row) for row in rows]
        detail = chain.batch_detail(len(rows), rows[-1].id, chain.batch_digest(lines))
        entry = record(session, chain.NETWORK_REDUCED, "access_log", rows[-1].id, detail=detail)
        ids = [row.id for row in rows]
        session.execute(
            sa.update(AccessLog)
            .where(AccessLog.id.in_(ids))
            .values(ip=None, user_agent=None, network_salt=None, network_reduced_by=entry.id)
            .execution_options(synchronize_session=False)
        )
        for row in rows:
            session.expire(row)
        total += len(rows)
        recorded.append(int(entry.id))
