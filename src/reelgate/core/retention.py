"""When a job's media expires, and what a client is told once it has.

The one definition of "expired": content is refused from a job's `expires_at` on (`JobService`),
whether or not the periodic sweep (`runner/retention.py`, the same condition in SQL) has deleted
its files yet. `expires_at` comes from the configured retention, or from a test double's
scenario.
"""

from __future__ import annotations

from reelgate.core.models import Job


def expiry_after(completed_at: float, retention_seconds: float | None) -> float | None:
    """When media completed at `completed_at` expires; None: kept until deleted."""
    return completed_at + retention_seconds if retention_seconds else None


def is_expired(job: Job, now: float) -> bool:
    return job.expires_at is not None and job.expires_at <= now
