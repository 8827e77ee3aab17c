"""The webhook sender: threads in each `reelgate serve` process that claim due deliveries from
the database (under a lease, like jobs), POST them signed, and record every attempt.

At least once: a delivery is marked delivered only after a 2xx answer, so a crash between the
answer and the record sends it again, with the same `webhook-id` for receivers to deduplicate.
Redirects are never followed and the target's addresses are checked before every attempt.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable

import httpx

from reelgate.config import Settings
from reelgate.core.deliveries import Attempt, Delivery
from reelgate.core.webhooks import (
    allowed_networks,
    parse_target,
    resolve_target,
    retry_delay,
    signed_headers,
)
from reelgate.store.webhooks import WebhookStore

log = logging.getLogger("reelgate.webhooks")

IDLE_WAIT = 2.0  # seconds between looks for due retries when nothing woke the sender
_ERROR_CHARS = 500

# Told of each attempt: (outcome: delivered | retry | failed, seconds it took).
AttemptObserver = Callable[[str, float], None]


class DeliveryLoop:
    def __init__(
        self,
        store: WebhookStore,
        settings: Settings,
        secret: str,
        clock: Callable[[], float] = time.time,
        on_attempt: AttemptObserver = lambda _outcome, _seconds: None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._secret = secret
        self._clock = clock
        self._on_attempt = on_attempt
        self._allowed = allowed_networks(settings.webhook_allow_networks)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._instance = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        timeout = settings.webhook_timeout_seconds
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            follow_redirects=False,
            trust_env=False,  # never route webhooks through a proxy from the environment
        )

    def start(self, count: int) -> None:
        for number in range(count):
            thread = threading.Thread(
                target=self._loop,
                args=(f"{self._instance}-{number}",),
                name=f"reelgate-webhooks-{number}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop claiming; an attempt in flight finishes (bounded by the HTTP timeout) or, if the
        process exits first, is retried by any sender once its lease runs out."""
        self._stopping.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        self._http.close()

    def wake(self) -> None:
        """A job changed: a new delivery may be due now. Cheap; safe from any thread."""
        self._wake.set()

    def _loop(self, sender_id: str) -> None:
        while not self._stopping.is_set():
            try:
                sent = self.send_one(sender_id)
            except Exception:  # a database hiccup or a bug: keep the sender alive
                log.exception("webhook sender %s: unexpected error", sender_id)
                sent = False
            if not sent:
                self._wake.wait(IDLE_WAIT)
                self._wake.clear()

    @property
    def _lease_seconds(self) -> float:
        # Long enough for one attempt (resolving, connecting, the answer) with margin.
        return 2 * self.settings.webhook_timeout_seconds + 10

    def send_one(self, sender_id: str) -> bool:
        """Claim and attempt one due delivery. False when none was due.

        Senders wake on every job change (progress included), so whether anything is due is
        first asked with a read: claiming is a write, and on SQLite each one takes the
        database's single write lock from the requests and workers that need it."""
        due = self.store.next_due()
        if due is None or due > self._clock():
            return False
        delivery = self.store.claim(sender_id, self._clock(), self._lease_seconds)
        if delivery is None:
            return False
        attempt, permanent = self._attempt(delivery)
        number = attempt.number
        gave_up = permanent or number >= self.settings.webhook_max_attempts
        next_at = None if gave_up else self._clock() + retry_delay(number, self.settings)
        status = self.store.record_attempt(delivery, sender_id, attempt, next_attempt_at=next_at)
        outcome = {"delivered": "delivered", "pending": "retry", "failed": "failed"}.get(
            status or "", "lost_lease"
        )
        self._on_attempt(outcome, attempt.duration_ms / 1000)
        if status == "failed":
            log.warning(
                "webhook %s for %s given up after %d attempts: %s",
                delivery.id,
                delivery.job_id,
                number,
                attempt.error or f"HTTP {attempt.status_code}",
            )
        return True

    def _attempt(self, delivery: Delivery) -> tuple[Attempt, bool]:
        """One attempt, and whether no later one could do better (a URL that cannot be sent to,
        stored before today's checks: failed at once, not retried)."""
        started = self._clock()
        clock = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        permanent = False
        try:
            url = _sendable(delivery.url)
            resolve_target(delivery.url, self._allowed)
            headers = signed_headers(self._secret, delivery.id, int(started), delivery.payload)
            response = self._http.post(url, content=delivery.payload, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {response.text[:_ERROR_CHARS]}"
                if response.is_redirect:
                    error = f"HTTP {status_code}: redirects are not followed"
        except _Unsendable as exc:
            error, permanent = str(exc)[:_ERROR_CHARS], True
        except ValueError as exc:  # refused target (its addresses may change: retried)
            error = str(exc)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]
        except Exception as exc:  # a bug: recorded as an attempt, so retries end
            log.exception("webhook %s: unexpected error in an attempt", delivery.id)
            error = f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]
        attempt = Attempt(
            number=delivery.attempts + 1,
            started_at=started,
            duration_ms=(time.perf_counter() - clock) * 1000,
            status_code=status_code,
            error=error,
        )
        return attempt, permanent


class _Unsendable(Exception):
    """A stored target that no attempt can reach: its URL does not parse."""


def _sendable(url: str) -> httpx.URL:
    """The target as the HTTP client will send to it, if both the target rules
    (`core/webhooks.parse_target`) and the client's own parser accept it."""
    try:
        parse_target(url)
        return httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise _Unsendable(f"the webhook URL cannot be used: {exc}") from exc
