"""The one view step around an operation: commit what it did, or roll back its refusal.

::

    outcome = attempt(lambda: ops.cancel(session, …), done=_("Cancelled."), refused=reason)
    if isinstance(outcome, Refusal):
        …  # the page that explains it (nothing was kept)

Views pass the flash messages; an API view passes none and answers with the refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from sqlalchemy.orm import Session

from shisetsu.extensions import db
from shisetsu.refusals import Refusal

T = TypeVar("T")


def attempt(
    operation: Callable[[], T],
    *,
    done: str | Callable[[T], str] | None = None,
    refused: str | Callable[[Refusal], str | None] | None = None,
    session: Session | None = None,
) -> T | Refusal:
    """Call ``operation``; on a :class:`Refusal` roll back, flash ``refused`` and return it,
    else commit, flash ``done`` and return what the operation returned.

    ``refused`` may be a function of the refusal; when it gives None nothing is flashed
    (the caller shows the refusal on its page).
    """
    session = session if session is not None else db.session()
    try:
        result = operation()
    except Refusal as refusal:
        session.rollback()
        message = refused(refusal) if callable(refused) else refused
        if message is not None:
            flash(message, "error")
        return refusal
    session.commit()
    if done is not None:
        flash(done(result) if callable(done) else done, "success")
    return result
