"""Webhook deliveries, for people and the page: what was sent where, each attempt, and a way to
send one again once a receiver is fixed (`/api/webhooks/...`, docs/webhooks.md)."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from reelgate.api.app_api import ENVELOPE
from reelgate.api.deps import Who
from reelgate.api.dialect import dialect_route
from reelgate.core.callers import Caller
from reelgate.store.webhooks import Attempt, Delivery, WebhookStore

router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["Webhooks"])


async def webhook_store(request: Request) -> WebhookStore:
    return request.app.state.webhooks


Deliveries = Annotated[WebhookStore, Depends(webhook_store)]
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


def _one(store: WebhookStore, delivery_id: str, caller: Caller) -> dict[str, Any]:
    delivery = store.get(delivery_id)
    if delivery is None or not caller.sees(delivery.owner):
        raise HTTPException(404, "Delivery not found")
    return delivery_view(delivery, store.attempts([delivery_id]).get(delivery_id, []))


@router.get(
    "/webhooks/deliveries", summary="List webhook deliveries", operation_id="appListDeliveries"
)
async def list_deliveries(
    store: Deliveries,
    who: Who,
    job_id: Annotated[str | None, Query(description="Only this job's deliveries.")] = None,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    after: Annotated[str | None, Query(description="The last id of the previous page.")] = None,
) -> dict[str, Any]:
    """Newest first, each with its attempts (status code, error, duration)."""

    def read() -> dict[str, Any]:
        page, has_more = store.list(
            limit=limit, job_id=job_id, status=status, owner=who.owner_filter, after=after
        )
        attempts = store.attempts([d.id for d in page])
        data = [delivery_view(d, attempts.get(d.id, [])) for d in page]
        return {"object": "list", "data": data, "has_more": has_more}

    return await run_in_threadpool(read)


@router.get(
    "/webhooks/deliveries/{delivery_id}",
    summary="Get a webhook delivery",
    operation_id="appGetDelivery",
    responses=_NOT_FOUND,
)
async def get_delivery(delivery_id: str, store: Deliveries, who: Who) -> dict[str, Any]:
    return await run_in_threadpool(_one, store, delivery_id, who)


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    summary="Send a webhook delivery again now",
    operation_id="appRedeliver",
    responses=_NOT_FOUND,
)
async def redeliver(
    delivery_id: str, store: Deliveries, request: Request, who: Who
) -> dict[str, Any]:
    """Queue the same event (same `webhook-id`) for an attempt now, whatever its status: after
    a receiver was fixed, or to test one."""
    await run_in_threadpool(_one, store, delivery_id, who)  # 404 unless it is the caller's
    if await run_in_threadpool(store.redeliver, delivery_id, time.time()) is None:
        raise HTTPException(404, "Delivery not found")
    sender = getattr(request.app.state, "deliveries", None)
    if sender is not None:
        sender.wake()
    return await run_in_threadpool(_one, store, delivery_id, who)
