"""`GET /api/recordings` and `DELETE /api/recordings`: what clients sent, for an app's tests.

Each caller reads and clears only its own key's records (an admin key, and open mode, all of
them). Recording is off unless the server runs with `--record-requests`; the records live in
memory (`api/recordings/log.py`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from reelgate.api.app.errors import AppEnvelope
from reelgate.api.recordings.log import RequestLog
from reelgate.api.server.dependencies import Who
from reelgate.api.server.envelopes import dialect_route
from reelgate.core.errors import NotFound

router = APIRouter(route_class=dialect_route(AppEnvelope()), tags=["Recordings"])


async def request_log(request: Request) -> RequestLog:
    log: RequestLog | None = getattr(request.app.state, "recordings", None)
    if log is None:
        raise NotFound(
            "Request recording is off: start reelgate with --record-requests "
            "(REELGATE_RECORD_REQUESTS=true) to record what clients send."
        )
    return log


Log = Annotated[RequestLog, Depends(request_log)]


@router.get("/recordings", summary="What clients sent, in arrival order")
async def list_recordings(
    log: Log,
    who: Who,
    key: Annotated[str | None, Query(description="Only this key's requests.")] = None,
    method: Annotated[str | None, Query(description="Only this HTTP method.")] = None,
    path: Annotated[str | None, Query(description="Only paths that start with this.")] = None,
    after: Annotated[int | None, Query(ge=0, description="Only records after this seq.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> dict[str, Any]:
    records = log.visible_to(who, key=key, method=method, path=path, after=after, limit=limit)
    return {"object": "list", "data": [record.as_json() for record in records]}


@router.delete("/recordings", summary="Forget the caller's recorded requests")
async def clear_recordings(log: Log, who: Who) -> dict[str, Any]:
    return {"object": "recordings.deleted", "deleted": log.clear(who)}
