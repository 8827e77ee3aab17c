"""A key's job limits, checked when a job is created: how many may be unfinished at once, and
how many seconds of video it may generate per UTC day (finished jobs plus unfinished ones, so a
burst of creates cannot overshoot the day's allowance).

The check reads, then the job is inserted: two creates racing for a key's last slot may both
pass. The limits are guards against runaway clients, not billing.
"""

from __future__ import annotations

import math

from reelgate.core.callers import Caller
from reelgate.core.errors import RateLimited
from reelgate.store.quotas import QuotaStore

_DAY = 86_400


def seconds_to_next_utc_day(now: float) -> int:
    return max(1, math.ceil(_DAY - now % _DAY))


class Quotas:
    def __init__(self, store: QuotaStore, *, retry_after_seconds: int = 1) -> None:
        self.store = store
        self.retry_after_seconds = retry_after_seconds

    def check_video(self, caller: Caller, seconds: float, now: float) -> None:
        """Raise RateLimited if a job generating `seconds` would break one of the caller's
        limits."""
        if caller.owner is None or (caller.max_concurrent is None and caller.daily_seconds is None):
            return
        unfinished = self.store.unfinished_video_seconds(caller.owner)
        if caller.max_concurrent is not None and len(unfinished) >= caller.max_concurrent:
            raise RateLimited(
                f"Too many unfinished jobs for key '{caller.label}': the limit is "
                f"{caller.max_concurrent} queued or running at once. Retry when one finishes.",
                retry_after=self.retry_after_seconds,
            )
        if caller.daily_seconds is not None:
            used = self.store.generated_seconds_on_day(caller.owner, now) + sum(unfinished)
            if used + seconds > caller.daily_seconds:
                raise RateLimited(
                    f"Daily limit reached for key '{caller.label}': {used:g} of "
                    f"{caller.daily_seconds} seconds of video used or in progress today (UTC); "
                    f"this request needs {seconds:g} more.",
                    retry_after=seconds_to_next_utc_day(now),
                    code="insufficient_quota",
                )
