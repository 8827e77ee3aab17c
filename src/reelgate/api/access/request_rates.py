"""Requests per minute per API key: a sliding window of the last minute's request times.

Exact ("N requests in any 60 seconds"), in memory and per process: behind several API replicas
each one counts on its own, so a key can reach N requests per minute at each replica.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

_WINDOW = 60.0


class RequestRates:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}

    def take(self, key_id: str, per_minute: int) -> int | None:
        """Count a request; None if it is within the limit, else the seconds to wait."""
        now = self._clock()
        recent = self._recent.setdefault(key_id, deque())
        while recent and recent[0] <= now - _WINDOW:
            recent.popleft()
        if len(recent) >= per_minute:
            return max(1, math.ceil(recent[0] + _WINDOW - now))
        recent.append(now)
        return None
