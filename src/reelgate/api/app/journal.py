"""A numbered, bounded record of the job-change notices this server process has seen.

Event streams read it from a cursor: a live stream waits for the numbers after the last one it
sent, and a client reconnecting with `Last-Event-ID` simply continues from the number in that
id, so "resume" and "stream" are the same code. The journal keeps only job ids (a notice says
which job changed, never how): whoever reads it renders the job's state as it is now.

One journal per application, started by the first stream that needs it. Its numbers restart
with the process; an `epoch` token in every id tells a reconnecting client's old ids apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import deque

from fastapi import Request

from reelgate.api.server.exit_signals import call_on_exit_signal
from reelgate.core.events import JobEvents

CAPACITY = 4096  # notices kept; ~8 minutes of two workers reporting progress 4 times a second


class ChangeJournal:
    def __init__(self, events: JobEvents, capacity: int = CAPACITY) -> None:
        self.epoch = secrets.token_hex(4)
        self.head = 0  # number of the latest notice; 0 before the first
        self.closing = False
        self.open_streams = 0
        self._entries: deque[tuple[int, str]] = deque(maxlen=capacity)
        self._tick = asyncio.Event()
        # Subscribe now, before any stream reads a snapshot, so no change falls in between.
        self._subscription = events.subscribe(None)
        self._task = asyncio.create_task(self._record(), name="reelgate-job-journal")

    async def _record(self) -> None:
        with self._subscription as subscription:
            while True:
                for job_id in await subscription.changes():
                    self.head += 1
                    self._entries.append((self.head, job_id))
                self._wake()

    def _wake(self) -> None:
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()

    def close(self) -> None:
        """The server is exiting: every stream ends after what it is sending now."""
        self.closing = True
        self._wake()

    # -- ids -------------------------------------------------------------------------------------

    def event_id(self, number: int) -> str:
        return f"{self.epoch}-{number}"

    def cursor_of(self, event_id: str | None) -> int | None:
        """The notice number in an event id this journal issued and can still continue from;
        None for anything else (absent, malformed, from an earlier process, or too old)."""
        if not event_id:
            return None
        epoch, _, number = event_id.strip().partition("-")
        if epoch != self.epoch or not number.isdigit():
            return None
        cursor = int(number)
        return cursor if self.changes_after(cursor) is not None else None

    # -- reading ---------------------------------------------------------------------------------

    def changes_after(self, cursor: int) -> list[tuple[int, str]] | None:
        """`(number, job id)` of each job that changed after notice `cursor`, with the number of
        its latest notice, oldest first. None when the journal no longer reaches back that far."""
        if cursor > self.head:
            return None
        if self._entries and cursor < self._entries[0][0] - 1:
            return None
        latest: dict[str, int] = {}
        for number, job_id in reversed(self._entries):
            if number <= cursor:
                break
            latest.setdefault(job_id, number)
        return sorted((number, job_id) for job_id, number in latest.items())

    async def wait(self, cursor: int, timeout: float) -> None:
        """Return when there are notices after `cursor`, the journal closes, or after `timeout`."""
        if self.head > cursor or self.closing:
            return
        tick = self._tick
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tick.wait(), timeout)


async def change_journal(request: Request) -> ChangeJournal:
    """The application's journal, started on first use. Async: it must start in the event loop."""
    state = request.app.state
    journal: ChangeJournal | None = getattr(state, "job_journal", None)
    if journal is None:
        journal = ChangeJournal(state.events)
        call_on_exit_signal(journal.close)
        state.job_journal = journal
    return journal
