"""``enqueue_after_commit``: queue a job only once the session's transaction has committed.

A job that reads what the request just wrote must not start before the commit (it would
not see the rows), and must not start at all if the transaction rolls back. The jobs are
kept in ``session.info`` and handed to :func:`~shisetsu.jobs.queue.enqueue` by an
``after_commit`` listener on the outermost transaction; a rollback discards them. The
listeners are installed on first use, not at import.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from shisetsu.jobs.functions import JobFunction, job_path
from shisetsu.jobs.queue import enqueue
from shisetsu.tenancy.names import validate_slug

log = logging.getLogger("shisetsu.jobs")

PENDING_KEY = "shisetsu.jobs.after_commit"
_install_lock = threading.Lock()


def enqueue_after_commit(
    session: Session, func: str | JobFunction, *args: Any, tenant: str | None, **kwargs: Any
) -> None:
    """Enqueue ``func`` for ``tenant`` when ``session`` commits (once per identical call)."""
    path = job_path(func)
    if tenant is not None:
        validate_slug(tenant)
    _install_listeners()
    if session.get_transaction() is None:
        session.begin()  # tie the jobs to a transaction, so that a rollback discards them
    pending: dict[str, tuple[str, str | None, tuple[Any, ...], dict[str, Any]]]
    pending = session.info.setdefault(PENDING_KEY, {})
    pending.setdefault(
        repr((path, tenant, args, sorted(kwargs.items()))), (path, tenant, args, kwargs)
    )


def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a SAVEPOINT was released; the real commit is still to come
    for path, tenant, args, kwargs in session.info.pop(PENDING_KEY, {}).values():
        try:
            enqueue(path, *args, tenant=tenant, **kwargs)
        except Exception:  # the commit has happened: never turn it into an error
            log.error("after-commit enqueue failed", exc_info=True, extra={"job": path})


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)  # rolled back or closed: the jobs never happen


def _install_listeners() -> None:
    with _install_lock:
        if not sa.event.contains(Session, "after_commit", _after_commit):
            sa.event.listen(Session, "after_commit", _after_commit)
        if not sa.event.contains(Session, "after_transaction_end", _after_transaction_end):
            sa.event.listen(Session, "after_transaction_end", _after_transaction_end)
