"""`GET /api/usage`: what was generated per owner and model, with an estimated cost when the
configured price table names the model (docs/cli.md, `reelgate usage`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from reelgate.api.app_api import ENVELOPE
from reelgate.api.deps import Who, settings
from reelgate.api.dialect import dialect_route
from reelgate.config import Settings
from reelgate.store.usage import UsageRow, UsageStore

router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["Usage"])
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTS = ("jobs", "failures", "video_seconds", "images")


async def usage_store(request: Request) -> UsageStore:
    return request.app.state.usage


def estimated_cost(row: UsageRow, prices: dict[str, dict[str, float]]) -> float | None:
    """Seconds and images at the model's prices (or those of `"*"`); None when unpriced."""
    price = prices.get(row.model) or prices.get("*")
    if price is None:
        return None
    cost = row.video_seconds * price.get("per_second", 0.0) + row.images * price.get(
        "per_image", 0.0
    )
    return round(cost, 6)


def _day(value: str | None, name: str) -> str | None:
    if value is not None and not _DAY.match(value):
        raise HTTPException(400, f"Invalid {name}: expected YYYY-MM-DD (UTC), got {value!r}")
    return value


@router.get("/usage", summary="Usage per key and model", operation_id="appUsage")
async def usage(
    store: Annotated[UsageStore, Depends(usage_store)],
    config: Annotated[Settings, Depends(settings)],
    who: Who,
    since: Annotated[str | None, Query(description="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, Query(description="Last UTC day, YYYY-MM-DD.")] = None,
) -> dict[str, Any]:
    """Jobs made, failures, seconds of video and images generated, per owner (an API key's
    id; `null` in open mode) and model, with an estimated cost from the price table. A key sees
    its own usage; an admin key sees everyone's."""
    rows = await run_in_threadpool(
        store.summary,
        since=_day(since, "since"),
        until=_day(until, "until"),
        owner=who.owner_filter,
    )
    data = []
    for row in rows:
        data.append(
            {
                "owner": row.owner,
                "model": row.model,
                "jobs": row.jobs,
                "failures": row.failures,
                "video_seconds": round(row.video_seconds, 3),
                "images": row.images,
                "estimated_cost": estimated_cost(row, config.prices),
            }
        )
    totals: dict[str, Any] = {name: sum(item[name] for item in data) for name in _COUNTS}
    costs = [item["estimated_cost"] for item in data if item["estimated_cost"] is not None]
    totals["estimated_cost"] = round(sum(costs), 6) if costs else None
    return {"object": "usage", "since": since, "until": until, "data": data, "totals": totals}
