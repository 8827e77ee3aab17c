"""Webhook deliveries as a caller may see them: only its own key's (an admin key, and open
mode, everyone's); another key's delivery is not found, exactly as one that never existed.

Deliveries are stored with their job's final state and sent by `runner/deliveries.py`; this is
what the app API reads and what it asks to send again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelgate.core.callers import Caller
from reelgate.core.errors import NotFound

if TYPE_CHECKING:
    from reelgate.store.webhooks import WebhookStore


@dataclass(frozen=True)
class Delivery:
    id: str
    job_id: str
    owner: str | None
    event_type: str
    url: str
    payload: str
    status: str
    attempts: int
    created_at: float
    next_attempt_at: float | None
    delivered_at: float | None
    last_status_code: int | None
    last_error: str | None


@dataclass(frozen=True)
class Attempt:
    number: int
    started_at: float
    duration_ms: float
    status_code: int | None
    error: str | None


# A delivery with its attempts, oldest first.
Logged = tuple[Delivery, list[Attempt]]


class DeliveryService:
    def __init__(self, records: WebhookStore, wake_sender: Callable[[], None]) -> None:
        self._records = records
        self._wake_sender = wake_sender

    def page(
        self,
        caller: Caller,
        *,
        limit: int,
        job_id: str | None = None,
        status: str | None = None,
        after: str | None = None,
    ) -> tuple[list[Logged], bool]:
        """Newest first; `after` is the id of the last delivery of the previous page."""
        page, has_more = self._records.list(
            limit=limit, job_id=job_id, status=status, owner=caller.owner_filter, after=after
        )
        attempts = self._records.attempts([delivery.id for delivery in page])
        return [(delivery, attempts.get(delivery.id, [])) for delivery in page], has_more

    def get(self, caller: Caller, delivery_id: str) -> Logged:
        delivery = self._records.get(delivery_id)
        if delivery is None or not caller.sees(delivery.owner):
            raise NotFound("Delivery not found")
        return delivery, self._records.attempts([delivery_id]).get(delivery_id, [])

    def redeliver(self, caller: Caller, delivery_id: str) -> Logged:
        """Queue the same event (same `webhook-id`) for an attempt now, whatever its status."""
        self.get(caller, delivery_id)  # not found unless it is the caller's
        if self._records.redeliver(delivery_id, time.time()) is None:
            raise NotFound("Delivery not found")
        self._wake_sender()
        return self.get(caller, delivery_id)
