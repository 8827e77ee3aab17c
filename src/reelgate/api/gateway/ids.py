"""Gateway video ids: a job id and the provider it is known by, in either order.

Seed 003 writes `video_abc123:openai`; the gateway's current document writes `openai:video_abc123`.
reelgate answers in the seed's form and accepts both on every path. The provider part must be
the job's own (`Job.named_provider`), so a job cannot be reached under another provider's name.
"""

from __future__ import annotations

from reelgate.core.errors import InvalidRequest, NotFound
from reelgate.core.models import Job

_JOB_PREFIX = "video_"


def gateway_id(job: Job) -> str:
    return f"{job.id}:{job.named_provider}"


def split_gateway_id(value: str, param: str = "video_id") -> tuple[str, str]:
    """(job id, provider) of `video_x:provider` or `provider:video_x`."""
    left, colon, right = value.partition(":")
    if colon and left.startswith(_JOB_PREFIX) and right:
        return left, right
    if colon and right.startswith(_JOB_PREFIX) and left:
        return right, left
    raise InvalidRequest(
        f"Invalid video id '{value}': expected 'video_id:provider' "
        "(e.g. 'video_abc123:openai') or 'provider:video_id'.",
        param=param,
        code="invalid_video_id",
    )


def owned_by_provider(job: Job, provider: str, value: str) -> Job:
    """`job`, if the id named its provider; otherwise the id names no video."""
    if job.named_provider != provider:
        raise NotFound(f"Video with id '{value}' not found.", param="video_id")
    return job
