"""Running one job: bind the tenant, call the function with the session, commit.

The process that runs jobs hands its app over once with :func:`use_app` (``shisetsu
worker`` does, and so do the tests) and it is reused for every job; this layer never builds
an app itself, so a job with no app to run in is an error, not a silent app build. rq's
default worker forks a work horse per job: the horse inherits the app, and its connection
pools are reset on first use so no database connection is shared across processes.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from shisetsu.extensions import db
from shisetsu.jobs.functions import resolve
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.engines import ENGINES_KEY

log = logging.getLogger("shisetsu.jobs")

_process: dict[str, Any] = {}


def use_app(app: Flask | None) -> None:
    """Run this process's jobs in ``app``. ``None`` forgets it again."""
    _process.clear()
    if app is not None:
        _process.update(app=app, pid=os.getpid())


class NoJobApp(RuntimeError):
    """A job was to run (or be queued) outside any app context and no app was handed over."""


def job_app() -> Flask:
    """The app this process runs jobs in, as handed over with :func:`use_app`."""
    app: Flask | None = _process.get("app")
    if app is None:
        raise NoJobApp(
            "no app to run jobs in: enqueue inside an app context, or hand the process's "
            "app over with shisetsu.jobs.runner.use_app(app) (shisetsu worker does)"
        )
    if _process.get("pid") != os.getpid():
        _forget_inherited_connections(app)
        _process["pid"] = os.getpid()
    return app


def _forget_inherited_connections(app: Flask) -> None:
    """In a forked child, drop (without closing) the parent's pooled connections."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
    for engine in app.extensions.get(ENGINES_KEY, {}).values():
        engine.dispose(close=False)


def run_tenant_job(slug: str, func_path: str, *args: Any, **kwargs: Any) -> Any:
    """The rq entry point of a tenant job: ``func(session, *args, **kwargs)`` for ``slug``."""
    return run_in_app(job_app(), slug, func_path, args, kwargs)


def run_platform_job(func_path: str, *args: Any, **kwargs: Any) -> Any:
    """The rq entry point of a job bound to no tenant (its session serves the platform)."""
    return run_in_app(job_app(), None, func_path, args, kwargs)


def run_in_app(
    app: Flask,
    slug: str | None,
    func_path: str,
    args: tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
) -> Any:
    """Call the job function with a session bound to ``slug`` and commit what it did."""
    func = resolve(func_path)
    log.info("job start", extra={"job": func_path, "tenant": slug})
    call_kwargs = kwargs or {}
    if slug is None:
        with app.app_context():
            try:
                platform_session = db.session()
                result = func(platform_session, *args, **call_kwargs)
                platform_session.commit()
            finally:
                db.session.remove()
    else:
        with tenant_session(app, slug) as session:
            result = func(session, *args, **call_kwargs)
            session.commit()
    log.info("job done", extra={"job": func_path, "tenant": slug})
    return result
