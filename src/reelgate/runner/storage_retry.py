"""Retrying a worker's writes that met a full or failing disk, a few times, with backoff.

A full disk often clears (the retention sweep, an operator, a failed job's files removed), and
what a worker must write most, that a job failed, is small. So storing outputs and recording a
failure are tried again a bounded number of times, pausing longer each time; the worker's own
loop backs off the same way while claiming meets the fault. Each retry is one log line, never a
traceback: the condition is the server's, not a bug.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from reelgate.store.faults import storage_fault

T = TypeVar("T")

# The longest pause between two tries of one write, and between two claims of an idle worker
# whose database keeps answering with a storage fault.
LONGEST_RETRY_PAUSE = 8.0
LONGEST_CLAIM_PAUSE = 30.0


def with_storage_retries(
    action: Callable[[], T],
    *,
    what: str,
    retries: int,
    first_pause: float,
    stopping: threading.Event,
    log: logging.Logger,
) -> T:
    """`action()`, tried again up to `retries` times while it fails with a storage fault; the
    last fault (or any other error) is raised. A worker told to stop stops retrying."""
    attempt = 0
    while True:
        try:
            return action()
        except Exception as exc:
            fault = storage_fault(exc)
            if fault is None or attempt >= retries or stopping.is_set():
                raise
            pause = min(LONGEST_RETRY_PAUSE, first_pause * 2**attempt)
            attempt += 1
            log.warning("%s: %s Retry %d of %d in %.1f s.", what, fault, attempt, retries, pause)
            if stopping.wait(pause):
                raise


class ClaimBackoff:
    """How long an idle worker waits before claiming again: 1 s normally, doubling from
    `first_pause` up to LONGEST_CLAIM_PAUSE while every try meets a storage fault."""

    def __init__(self, first_pause: float, idle: float = 1.0) -> None:
        self._first_pause = first_pause
        self._idle = idle
        self._faults = 0

    def fault(self) -> float:
        pause = min(LONGEST_CLAIM_PAUSE, max(self._idle, self._first_pause * 2**self._faults))
        self._faults += 1
        return pause

    def reset(self) -> float:
        self._faults = 0
        return self._idle
