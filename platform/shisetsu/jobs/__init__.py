"""Background jobs: rq on Redis, or in-process when no Redis is configured.

Calling a job::

    from shisetsu.jobs import enqueue, enqueue_after_commit

    enqueue("shisetsu.lottery.jobs.draw", round_id, tenant="regasu")
    enqueue_after_commit(session, relay_job, tenant="regasu")  # only if the commit happens

A job function takes the tenant-bound session first: ``def draw(session, round_id): ...``;
the runner binds ``tenant_session(app, slug)``, calls it and commits. The tenant slug is
always an argument of the queued job, never a global. ``tenant=None`` runs the function with
an unbound session (the platform schema).

With ``REDIS_URL`` set, jobs go to the rq queue ``JOBS_QUEUE`` ("default") and
``shisetsu worker`` runs them; if Redis cannot be reached the failure is logged and the call
returns normally (periodic sweeps catch up). Without ``REDIS_URL`` the job runs at once in
the calling process and its exceptions are logged, never raised to the user.

Periodic jobs are listed in :mod:`shisetsu.jobs.schedule` and run by ``shisetsu cron``
(rq's cron scheduler), fanned out to one job per active tenant.
"""

from shisetsu.jobs.deferred import enqueue_after_commit
from shisetsu.jobs.queue import enqueue
from shisetsu.jobs.runner import run_platform_job, run_tenant_job

__all__ = ["enqueue", "enqueue_after_commit", "run_platform_job", "run_tenant_job"]
