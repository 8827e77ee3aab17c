"""Server-sent events of job changes: `GET /api/events` (every job) and
`GET /api/jobs/{job_id}/events` (one job). The format and what resuming means are documented in
docs/events.md; in short:

- `event: snapshot` (all-jobs stream, on a fresh connection): the newest jobs, as `/api/jobs`.
- `event: job`: the job's whole current state (the view of `api/app/views.py`).
- `event: deleted`: `{"id", "object": "job.deleted", "deleted": true}`.
- `id:` `<epoch>-<n>`: the number of the last change notice the event covers. Reconnecting with
  it as `Last-Event-ID` sends only the jobs that changed since, then streams on.
- `: keepalive` comments when nothing else was sent for `heartbeat` seconds.

A per-job stream ends after its job's final event (completed, failed, deleted); a reconnect that
has already seen it is answered 204, which tells `EventSource` to stop. Every stream ends when
the client leaves or the server exits.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from reelgate.api.app.jobs import ENVELOPE
from reelgate.api.app.journal import ChangeJournal, change_journal
from reelgate.api.app.views import list_job_views, read_job_view
from reelgate.api.server.dependencies import Who, job_service
from reelgate.api.server.envelopes import dialect_route
from reelgate.api.server.event_stream_docs import event_stream_schema
from reelgate.core.callers import Caller
from reelgate.core.errors import NotFound
from reelgate.core.jobs import JobService
from reelgate.core.models import JobStatus

router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["Job events"])

Jobs = Annotated[JobService, Depends(job_service)]
Journal = Annotated[ChangeJournal, Depends(change_journal)]
LastEventId = Annotated[
    str | None,
    Header(description="The `id` of the last event received: resume after it (docs/events.md)."),
]
Heartbeat = Annotated[
    float, Query(ge=1, le=300, description="Seconds of silence before a keepalive comment.")
]

RETRY_MS = 1000
_FINISHED = {status.value for status in JobStatus if status.finished}
_STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A `text/event-stream` of `snapshot`, `job` and `deleted` events.",
        "content": {
            "text/event-stream": {
                "schema": event_stream_schema(
                    ["snapshot", "job", "deleted"],
                    "JSON: a snapshot (a list of jobs), a job's current state, or a deletion "
                    "(docs/events.md).",
                )
            }
        },
    },
}


class EventStreamResponse(StreamingResponse):
    media_type = "text/event-stream"


def sse_event(event: str, data: Any, event_id: str) -> bytes:
    """One event; JSON never contains a raw newline, so `data` is always one line."""
    payload = json.dumps(data, separators=(",", ":"))
    return f"id: {event_id}\nevent: {event}\ndata: {payload}\n\n".encode()


def _deleted(job_id: str) -> dict[str, Any]:
    return {"id": job_id, "object": "job.deleted", "deleted": True}


class _JobEvent(NamedTuple):
    chunk: bytes
    deleted: bool
    final: bool  # nothing will follow for this job: it finished or is gone


def _job_event(
    jobs: JobService, caller: Caller, journal: ChangeJournal, job_id: str, number: int
) -> _JobEvent:
    """The job's state now, as a `job` event, or a `deleted` event when it no longer exists
    (or is not the caller's: the two look the same)."""
    try:
        view = read_job_view(jobs, job_id, caller)
    except NotFound:
        return _JobEvent(
            sse_event("deleted", _deleted(job_id), journal.event_id(number)), True, True
        )
    chunk = sse_event("job", view, journal.event_id(number))
    return _JobEvent(chunk, False, view["status"] in _FINISHED)


def _snapshot(
    jobs: JobService, caller: Caller, journal: ChangeJournal, number: int, limit: int
) -> tuple[bytes, list[str]]:
    """The `snapshot` event, and the ids of the jobs in it."""
    views, has_more = list_job_views(jobs, caller, limit=limit)
    body = {"object": "list", "data": views, "has_more": has_more}
    return sse_event("snapshot", body, journal.event_id(number)), [view["id"] for view in views]


def _passing_events(
    jobs: JobService,
    caller: Caller,
    journal: ChangeJournal,
    changes: list[tuple[int, str]],
    visible: _Visible,
) -> list[_JobEvent]:
    """The events of `changes` the caller may hear of (a resumed all-jobs stream's first)."""
    passing = []
    for number, changed in changes:
        event = _job_event(jobs, caller, journal, changed, number)
        if visible.passes(event, changed):
            passing.append(event)
    return passing


class _Visible:
    """Which changes an all-jobs stream passes on. Keys see only their own jobs, and hear of a
    deletion of a job their stream showed, or (a stream resumed with `Last-Event-ID` has shown
    nothing yet) of one whose tombstone says it was theirs. An admin, or open mode, hears of
    every deletion."""

    def __init__(self, jobs: JobService, caller: Caller, shown: list[str]) -> None:
        self.jobs = jobs
        self.caller = caller
        self.shown = set(shown)

    def passes(self, event: _JobEvent, job_id: str) -> bool:
        if self.caller.admin:
            return True
        if event.deleted:  # or another key's job: the two look the same
            if job_id in self.shown:
                self.shown.discard(job_id)
                return True
            return self.jobs.was_deleted(job_id, self.caller)
        self.shown.add(job_id)
        return True


def _key_still_valid(request: Request, caller: Caller) -> Callable[[], Awaitable[bool]]:
    """Asked between events: a stream opened with a key ends once the key is revoked."""
    keyring = request.app.state.keyring

    async def still_valid() -> bool:
        return caller.owner is None or await keyring.is_active(caller.owner)

    return still_valid


async def _stream(
    jobs: JobService,
    caller: Caller,
    journal: ChangeJournal,
    *,
    job_id: str | None,
    cursor: int,
    first: list[_JobEvent | bytes],
    heartbeat: float,
    snapshot_limit: int,
    still_allowed: Callable[[], Awaitable[bool]],
    visible: _Visible | None = None,
) -> AsyncIterator[bytes]:
    """Events after `first`, from notice `cursor` on, until the end of the job (per-job
    streams), the client leaving (the response task is cancelled) or the server exiting."""
    journal.open_streams += 1
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        for item in first:
            yield item if isinstance(item, bytes) else item.chunk
            if job_id is not None and isinstance(item, _JobEvent) and item.final:
                return
        last_sent = time.monotonic()
        while not journal.closing:
            await journal.wait(cursor, heartbeat)
            if journal.closing or not await still_allowed():
                return  # the server is going, or the caller's key was revoked
            upto = journal.head
            changes = journal.changes_after(cursor)
            if changes is None:  # fell further behind than the journal keeps: start afresh
                if job_id is None:
                    changes = []
                    chunk, shown = await run_in_threadpool(
                        _snapshot, jobs, caller, journal, upto, snapshot_limit
                    )
                    visible = _Visible(jobs, caller, shown)
                    yield chunk
                else:
                    changes = [(upto, job_id)]
            for number, changed in changes:
                if job_id is not None and changed != job_id:
                    continue
                # Reads (on PostgreSQL, queries) in a thread: never on the event loop.
                event = await run_in_threadpool(_job_event, jobs, caller, journal, changed, number)
                if visible is not None and not await run_in_threadpool(
                    visible.passes, event, changed
                ):
                    continue
                yield event.chunk
                last_sent = time.monotonic()
                if job_id is not None and event.final:
                    return
            cursor = upto
            if time.monotonic() - last_sent >= heartbeat:
                yield b": keepalive\n\n"
                last_sent = time.monotonic()
    finally:
        journal.open_streams -= 1


@router.get(
    "/events",
    summary="Stream every job's changes",
    operation_id="appAllJobEvents",
    response_class=EventStreamResponse,
    responses=_STREAM_DOC,
)
async def all_job_events(
    request: Request,
    jobs: Jobs,
    journal: Journal,
    who: Who,
    last_event_id: LastEventId = None,
    heartbeat: Heartbeat = 15.0,
    limit: Annotated[int, Query(ge=1, le=100, description="Jobs in the snapshot.")] = 50,
) -> Response:
    """A `snapshot` of the newest jobs, then a `job` or `deleted` event for every change to any
    job, made through any API. With `Last-Event-ID`, only what changed since that event."""
    cursor = journal.head
    resumed = journal.cursor_of(last_event_id)
    first: list[_JobEvent | bytes]
    if resumed is None:
        chunk, shown = await run_in_threadpool(_snapshot, jobs, who, journal, cursor, limit)
        first, visible = [chunk], _Visible(jobs, who, shown)
    else:
        changes = journal.changes_after(resumed) or []
        visible = _Visible(jobs, who, [])
        first = list(await run_in_threadpool(_passing_events, jobs, who, journal, changes, visible))
    stream = _stream(
        jobs,
        who,
        journal,
        job_id=None,
        cursor=cursor,
        first=first,
        heartbeat=heartbeat,
        snapshot_limit=limit,
        still_allowed=_key_still_valid(request, who),
        visible=visible,
    )
    return EventStreamResponse(stream, headers=_STREAM_HEADERS)


@router.get(
    "/jobs/{job_id}/events",
    summary="Stream one job's changes",
    operation_id="appJobEvents",
    response_class=EventStreamResponse,
    responses={
        **_STREAM_DOC,
        204: {"description": "Resumed after the job's final event: nothing more will come."},
        404: {"description": "No such job (and no `Last-Event-ID` saying it was followed)."},
    },
)
async def job_events(
    job_id: str,
    request: Request,
    jobs: Jobs,
    journal: Journal,
    who: Who,
    last_event_id: LastEventId = None,
    heartbeat: Heartbeat = 15.0,
) -> Response:
    """The job's state now, then an event each time it changes, ending after its final one."""
    cursor = journal.head
    resumed = journal.cursor_of(last_event_id)
    event = await run_in_threadpool(_job_event, jobs, who, journal, job_id, cursor)
    if resumed is not None:
        changed = any(changed == job_id for _, changed in journal.changes_after(resumed) or [])
        if changed and event.deleted and not await run_in_threadpool(jobs.was_deleted, job_id, who):
            changed = False  # another key's job: its changes are not the caller's to hear of
        if not changed and event.final:
            return Response(status_code=204)  # the client already saw the last word
        first: list[_JobEvent | bytes] = [event] if changed else []
    elif event.deleted and last_event_id is None:
        raise HTTPException(404, "Job not found")
    else:
        first = [event]
    stream = _stream(
        jobs,
        who,
        journal,
        job_id=job_id,
        cursor=cursor,
        first=first,
        heartbeat=heartbeat,
        snapshot_limit=1,
        still_allowed=_key_still_valid(request, who),
    )
    return EventStreamResponse(stream, headers=_STREAM_HEADERS)
