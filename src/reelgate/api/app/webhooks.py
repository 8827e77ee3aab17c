"""Webhook deliveries, for people and the page: what was sent where, each attempt, and a way to
send one again once a receiver is fixed (`/api/webhooks/...`, docs/webhooks.md)."""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from reelgate.api.app.jobs import ENVELOPE
from reelgate.api.server.dependencies import Who
from reelgate.api.server.envelopes import dialect_route
from reelgate.core.deliveries import Attempt, Delivery, DeliveryService

router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["Webhooks"])


async def delivery_service(request: Request) -> DeliveryService:
    return request.app.state.deliveries


Deliveries = Annotated[DeliveryService, Depends(delivery_service)]
_NOT_FOUND = {404: {"description": "No such delivery"}}


def delivery_view(delivery: Delivery, attempts: list[Attempt]) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "object": "webhook.delivery",
        "job_id": delivery.job_id,
        "event_type": delivery.event_type,
        "url": delivery.url,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "attempt_log": [
            {
                "number": a.number,
                "started_at": a.started_at,
                "duration_ms": round(a.duration_ms, 1),
                "status_code": a.status_code,
                "error": a.error,
            }
            for a in attempts
        ],
    }


@router.get(
    "/webhooks/deliveries", summary="List webhook deliveries", operation_id="appListDeliveries"
)
async def list_deliveries(
    service: Deliveries,
    who: Who,
    job_id: Annotated[str | None, Query(description="Only this job's deliveries.")] = None,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    after: Annotated[str | None, Query(description="The last id of the previous page.")] = None,
) -> dict[str, Any]:
    """Newest first, each with its attempts (status code, error, duration)."""

    page, has_more = await run_in_threadpool(
        functools.partial(service.page, who, limit=limit, job_id=job_id, status=status, after=after)
    )
    data = [delivery_view(*logged) for logged in page]
    return {"object": "list", "data": data, "has_more": has_more}


@router.get(
    "/webhooks/deliveries/{delivery_id}",
    summary="Get a webhook delivery",
    operation_id="appGetDelivery",
    responses=_NOT_FOUND,
)
async def get_delivery(delivery_id: str, service: Deliveries, who: Who) -> dict[str, Any]:
    return delivery_view(*await run_in_threadpool(service.get, who, delivery_id))


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    summary="Send a webhook delivery again now",
    operation_id="appRedeliver",
    responses=_NOT_FOUND,
)
async def redeliver(delivery_id: str, service: Deliveries, who: Who) -> dict[str, Any]:
    """Queue the same event (same `webhook-id`) for an attempt now, whatever its status: after
    a receiver was fixed, or to test one."""
    return delivery_view(*await run_in_threadpool(service.redeliver, who, delivery_id))
