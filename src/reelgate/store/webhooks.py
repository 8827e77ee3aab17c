"""Durable webhook deliveries: stored with the job's final state, claimed under a lease like
jobs (safe with several processes), each attempt recorded.

A delivery is created in the same transaction that makes its job final, at most once per job
and event type (a unique constraint), so a crash can neither lose nor duplicate it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from reelgate.core.deliveries import Attempt, Delivery
from reelgate.core.webhooks import event_body, new_event_id
from reelgate.store.retry import retrying_store
from reelgate.store.schema import webhook_attempts, webhook_deliveries

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(**{name: row[name] for name in Delivery.__dataclass_fields__})


def enqueue_delivery(
    conn: Connection, *, job_id: str, owner: str | None, url: str, event_type: str, now: float
) -> bool:
    """Store the event for `job_id` unless one of that type exists already (idempotent);
    whether it was stored now."""
    exists = conn.execute(
        select(webhook_deliveries.c.id).where(
            webhook_deliveries.c.job_id == job_id, webhook_deliveries.c.event_type == event_type
        )
    ).first()
    if exists is not None:
        return False
    event_id = new_event_id()
    conn.execute(
        insert(webhook_deliveries).values(
            id=event_id,
            job_id=job_id,
            owner=owner,
            event_type=event_type,
            url=url,
            payload=event_body(event_id, event_type, job_id, now),
            status=PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
    )
    return True


@retrying_store  # one transaction a method: a lock conflict runs it again
class WebhookStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, sender_id: str, now: float, lease_seconds: float) -> Delivery | None:
        """Take the delivery that is due first, under a lease: another sender (in any process)
        takes it only after the lease ran out, i.e. when this sender died mid-attempt."""
        due = and_(
            webhook_deliveries.c.status == PENDING,
            webhook_deliveries.c.next_attempt_at <= now,
            or_(
                webhook_deliveries.c.lease_until.is_(None),
                webhook_deliveries.c.lease_until < now,
            ),
        )
        first = (
            select(webhook_deliveries.c.id)
            .where(due)
            .order_by(webhook_deliveries.c.next_attempt_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == first.scalar_subquery())
            .where(due)
            .values(lease_owner=sender_id, lease_until=now + lease_seconds)
            .returning(*webhook_deliveries.c)
        )
        with self.engine.begin() as conn:
            row = conn.execute(statement).mappings().first()
        return _delivery(row) if row is not None else None

    def next_due(self) -> float | None:
        """When the earliest pending delivery is due (None: nothing pending)."""
        query = select(func.min(webhook_deliveries.c.next_attempt_at)).where(
            webhook_deliveries.c.status == PENDING
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def record_attempt(
        self,
        delivery: Delivery,
        sender_id: str,
        attempt: Attempt,
        *,
        next_attempt_at: float | None,
    ) -> str | None:
        """Record one attempt and what follows: delivered (2xx), a retry at `next_attempt_at`,
        or given up (`next_attempt_at` None after a failure). Returns the new status, or None
        when the lease was lost (another sender took over; its record wins)."""
        ok = attempt.status_code is not None and 200 <= attempt.status_code < 300
        status = DELIVERED if ok else (PENDING if next_attempt_at is not None else FAILED)
        with self.engine.begin() as conn:
            updated = conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.id == delivery.id,
                    webhook_deliveries.c.lease_owner == sender_id,
                    webhook_deliveries.c.status == PENDING,
                )
                .values(
                    status=status,
                    attempts=webhook_deliveries.c.attempts + 1,
                    next_attempt_at=None if status != PENDING else next_attempt_at,
                    delivered_at=attempt.started_at if ok else None,
                    last_status_code=attempt.status_code,
                    last_error=attempt.error,
                    lease_owner=None,
                    lease_until=None,
                )
            )
            if updated.rowcount == 0:
                return None
            conn.execute(
                insert(webhook_attempts).values(
                    delivery_id=delivery.id,
                    number=attempt.number,
                    started_at=attempt.started_at,
                    duration_ms=attempt.duration_ms,
                    status_code=attempt.status_code,
                    error=attempt.error,
                )
            )
        return status

    def redeliver(self, delivery_id: str, now: float) -> Delivery | None:
        """Send a delivery again now (after a receiver was fixed), whatever its status."""
        with self.engine.begin() as conn:
            updated = conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id)
                .values(status=PENDING, next_attempt_at=now, lease_owner=None, lease_until=None)
            )
        return self.get(delivery_id) if updated.rowcount else None

    # -- reads -----------------------------------------------------------------------------------

    def get(self, delivery_id: str) -> Delivery | None:
        query = select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _delivery(row) if row is not None else None

    def attempts(self, delivery_ids: Sequence[str]) -> dict[str, list[Attempt]]:
        query = (
            select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.in_(list(delivery_ids)))
            .order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.number)
        )
        found: dict[str, list[Attempt]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                found.setdefault(row["delivery_id"], []).append(
                    Attempt(
                        number=row["number"],
                        started_at=row["started_at"],
                        duration_ms=row["duration_ms"],
                        status_code=row["status_code"],
                        error=row["error"],
                    )
                )
        return found

    def list(
        self,
        *,
        limit: int,
        job_id: str | None = None,
        status: str | None = None,
        owner: str | None = None,
        after: str | None = None,
    ) -> tuple[list[Delivery], bool]:
        """Newest first; `after` is the id of the last delivery of the previous page."""
        query = select(webhook_deliveries)
        if job_id is not None:
            query = query.where(webhook_deliveries.c.job_id == job_id)
        if status is not None:
            query = query.where(webhook_deliveries.c.status == status)
        if owner is not None:
            query = query.where(webhook_deliveries.c.owner == owner)
        if after is not None:
            query = query.where(webhook_deliveries.c.id < after)
        query = query.order_by(webhook_deliveries.c.id.desc()).limit(limit + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [_delivery(row) for row in rows[:limit]], len(rows) > limit

    def counts_by_status(self) -> dict[str, int]:
        query = select(webhook_deliveries.c.status, func.count()).group_by(
            webhook_deliveries.c.status
        )
        with self.engine.connect() as conn:
            return {status: count for status, count in conn.execute(query).all()}
