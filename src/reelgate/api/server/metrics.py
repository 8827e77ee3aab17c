"""`GET /metrics`: the Prometheus text exposition of this process's metrics and the store's."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

router = APIRouter(tags=["Operations"])


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=True)
async def metrics(request: Request) -> Response:
    """Request rates and latencies per route, jobs by status, queue depth, job timings and
    webhook deliveries (docs/observability.md)."""
    registry = request.app.state.metrics.registry
    body = await run_in_threadpool(generate_latest, registry)  # reads the database
    return Response(body, media_type=CONTENT_TYPE_LATEST)
