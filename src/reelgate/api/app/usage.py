"""`GET /api/usage`: what was generated per owner, model and tier, with an estimated cost when
the prices name the model (docs/cli.md, `reelgate usage`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from reelgate.api.app.jobs import ENVELOPE
from reelgate.api.server.dependencies import Who
from reelgate.api.server.envelopes import dialect_route
from reelgate.core.usage import UsageService

router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["Usage"])
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTS = ("jobs", "failures", "video_seconds", "images")


async def usage_service(request: Request) -> UsageService:
    return request.app.state.usage


def _day(value: str | None, name: str) -> str | None:
    if value is not None and not _DAY.match(value):
        raise HTTPException(400, f"Invalid {name}: expected YYYY-MM-DD (UTC), got {value!r}")
    return value


@router.get("/usage", summary="Usage per key and model", operation_id="appUsage")
async def usage(
    service: Annotated[UsageService, Depends(usage_service)],
    who: Who,
    since: Annotated[str | None, Query(description="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, Query(description="Last UTC day, YYYY-MM-DD.")] = None,
) -> dict[str, Any]:
    """Jobs made, failures, seconds of video and images generated, per owner (an API key's
    id; `null` in open mode), model and tier (`720p`: a video's shorter side; `1024x1024 high`:
    an image's size and quality), with an estimated cost from the prices. A key sees its own
    usage; an admin key sees everyone's."""
    rows = await run_in_threadpool(
        service.summary, who, since=_day(since, "since"), until=_day(until, "until")
    )
    data = []
    for row, cost in rows:
        data.append(
            {
                "owner": row.owner,
                "model": row.model,
                "tier": row.tier or None,
                "jobs": row.jobs,
                "failures": row.failures,
                "video_seconds": round(row.video_seconds, 3),
                "images": row.images,
                "estimated_cost": cost,
            }
        )
    totals: dict[str, Any] = {name: sum(item[name] for item in data) for name in _COUNTS}
    costs = [item["estimated_cost"] for item in data if item["estimated_cost"] is not None]
    totals["estimated_cost"] = round(sum(costs), 6) if costs else None
    return {"object": "usage", "since": since, "until": until, "data": data, "totals": totals}
