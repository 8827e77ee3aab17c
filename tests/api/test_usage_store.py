"""Usage counters (SQLite, PostgreSQL): counted where jobs are made and finished, so they match
the jobs, and kept when jobs are deleted."""

from __future__ import annotations

from sqlalchemy import Engine

from reelgate.core.ids import new_generation_id, new_job_id
from reelgate.core.models import (
    Generation,
    ImageFamily,
    ImageSpec,
    Job,
    JobError,
    JobKind,
    JobStatus,
    VideoSpec,
)
from reelgate.store.db import JobStore
from reelgate.store.usage import UsageStore

DAY_1, DAY_2 = 1_700_000_000.0, 1_700_000_000.0 + 86_400


def video(model: str, at: float, status: JobStatus = JobStatus.QUEUED) -> Job:
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=3, n_variants=2)
    return Job(id=new_job_id(), model=model, provider="preview", spec=spec, created_at=at,
               status=status)  # fmt: skip


def gens(job_id: str, count: int, seconds: float) -> list[Generation]:
    return [Generation(id=new_generation_id(), job_id=job_id, index=i, width=64, height=64,
                       seconds=seconds) for i in range(count)]  # fmt: skip


def test_usage_counts_jobs_seconds_images_and_failures_per_model_and_day(database: Engine):
    jobs = JobStore(database)
    jobs.create_schema()
    usage = UsageStore(database)

    done = video("sora-2", DAY_1)
    jobs.insert_job(done)
    jobs.claim_job("w", DAY_1, 30)
    jobs.complete_job(done.id, "w", DAY_1 + 5, gens(done.id, 2, 3.0))
    broken = video("sora-2", DAY_1)
    jobs.insert_job(broken)
    jobs.claim_job("w", DAY_1, 30)
    jobs.fail_job(broken.id, DAY_1 + 5, JobError(code="internal_error", message="x"), "w")
    blocked = video("sora-2-pro", DAY_2, JobStatus.FAILED)  # refused by the filter at birth
    jobs.insert_job(blocked)
    spec = ImageSpec(prompt="p", family=ImageFamily.GPT_IMAGE_1, width=64, height=64, n=3,
                     quality="low")  # fmt: skip
    picture = Job(id=new_job_id(), kind=JobKind.IMAGE, model="gpt-image-1", provider="preview",
                  spec=spec, created_at=DAY_2, status=JobStatus.COMPLETED)  # fmt: skip
    jobs.insert_finished_job(picture, gens(picture.id, 3, 0.0))
    jobs.delete_job(done.id, owner=None, at=DAY_2)  # usage outlives the job

    rows = {row.model: row for row in usage.summary()}
    assert set(rows) == {"sora-2", "sora-2-pro", "gpt-image-1"}
    sora = rows["sora-2"]
    assert (sora.owner, sora.jobs, sora.failures, sora.video_seconds, sora.images) == (
        None, 2, 1, 6.0, 0,
    )  # fmt: skip
    pro = rows["sora-2-pro"]
    assert (pro.jobs, pro.failures, pro.video_seconds) == (1, 1, 0.0)
    image = rows["gpt-image-1"]
    assert (image.jobs, image.images, image.failures) == (1, 3, 0)

    day_two = {row.model for row in usage.summary(since="2023-11-15")}
    assert day_two == {"sora-2-pro", "gpt-image-1"}
    assert {row.model for row in usage.summary(until="2023-11-14")} == {"sora-2"}
