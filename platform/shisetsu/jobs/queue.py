"""``enqueue``: put a job on Redis, or run it here and now when no Redis is configured."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from rq import Queue

from shisetsu.jobs.functions import JobFunction, job_path
from shisetsu.jobs.runner import job_app, run_in_app, run_platform_job, run_tenant_job
from shisetsu.tenancy.names import validate_slug

log = logging.getLogger("shisetsu.jobs")

REDIS_KEY = "shisetsu.redis"


def enqueue(func: str | JobFunction, *args: Any, tenant: str | None, **kwargs: Any) -> str | None:
    """Run ``func(session, *args, **kwargs)`` for ``tenant`` in the background.

    Returns the rq job id, or None when the job ran in-process or could not be queued. Never
    raises for an unreachable Redis or a failing in-process job: both are logged. A bad
    ``func`` or slug is a programming error and raises ``ValueError`` here; so is a call
    outside any app context in a process that handed no app over (``NoJobApp``).
    """
    path = job_path(func)
    if tenant is not None:
        validate_slug(tenant)
    app = _app()
    if not app.config.get("REDIS_URL"):
        _run_in_process(app, tenant, path, args, kwargs)
        return None
    runner, runner_args = (
        (run_platform_job, (path, *args))
        if tenant is None
        else (run_tenant_job, (tenant, path, *args))
    )
    try:
        job = job_queue(app).enqueue_call(
            func=runner,
            args=runner_args,
            kwargs=kwargs,
            description=f"{path} [{tenant or 'platform'}]",
        )
    except Exception:
        log.error(
            "could not queue job; it will not run unless a periodic sweep covers it",
            exc_info=True,
            extra={"job": path, "tenant": tenant},
        )
        return None
    return job.id


def _app() -> Flask:
    """The current app, or (outside any app context) the one handed to ``use_app``; with
    neither, :class:`~shisetsu.jobs.runner.NoJobApp` (enqueueing never builds an app)."""
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    return job_app()


def _run_in_process(
    app: Flask, tenant: str | None, path: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    try:
        run_in_app(app, tenant, path, args, kwargs)
    except Exception:
        log.error("in-process job failed", exc_info=True, extra={"job": path, "tenant": tenant})


def redis_connection(app: Flask) -> Redis:
    """The app's Redis client for enqueueing: short timeouts, so an outage cannot stall requests."""
    url = app.config["REDIS_URL"]
    cached: tuple[str, Redis] | None = app.extensions.get(REDIS_KEY)
    if cached is not None and cached[0] == url:
        return cached[1]
    timeout = float(app.config["REDIS_TIMEOUT"])
    client = Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=1),
    )
    app.extensions[REDIS_KEY] = (url, client)
    return client


def job_queue(app: Flask, connection: Redis | None = None) -> Queue:
    """The rq queue the app enqueues on (``JOBS_QUEUE``)."""
    return Queue(app.config["JOBS_QUEUE"], connection=connection or redis_connection(app))
