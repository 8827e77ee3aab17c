"""Reading a job on the hot paths (polls, downloads) without blocking the event loop.

A cached read (the store knows, without a query, that the job has not changed:
store/recent_jobs.py) is answered right there: a hop to a thread would cost more than the
answer. Anything that needs the database (a cache miss) runs in a worker thread, so one slow
query never holds up every other request the process is serving.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from reelgate.core.callers import Caller
from reelgate.core.jobs import JobService
from reelgate.core.models import Job


async def read_video(
    jobs: JobService, job_id: str, caller: Caller, *, with_generations: bool = False
) -> Job:
    job = jobs.cached(job_id, caller, with_generations=with_generations)
    if job is not None:
        return job
    return await run_in_threadpool(jobs.get, job_id, caller, with_generations=with_generations)
