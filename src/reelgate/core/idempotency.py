"""`Idempotency-Key` on creates: a retried request gets the job the first one made.

The dialect reduces a request to a fingerprint (its operation and a digest of what it asked
for, files included); the key is remembered per API key for a day. The same key with the same
fingerprint returns the same job; with another, the request is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from reelgate.core.errors import IdempotencyKeyReused, NotFound
from reelgate.store.idempotency import IdempotencyStore

MAX_KEY_LENGTH = 255
WINDOW_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class IdempotencyClaim:
    key: str
    fingerprint: str


def fingerprint(operation: str, canonical_body: Any) -> str:
    """A digest of an operation and its (JSON-able, files already digested) parameters."""
    text = json.dumps([operation, canonical_body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def earlier_job_id(
    records: IdempotencyStore, owner: str | None, claim: IdempotencyClaim | None, now: float
) -> str | None:
    """The id of the job an earlier request with this key made (None: the key is new, or no
    key was sent); raises `IdempotencyKeyReused` when that request asked for something else."""
    if claim is None:
        return None
    found = records.find(owner, claim.key, now)
    if found is None:
        return None
    if found.fingerprint != claim.fingerprint:
        raise IdempotencyKeyReused(
            f"Idempotency-Key '{claim.key}' was already used with a different request. "
            "Use a new key for a new request."
        )
    return found.job_id


def made_by_key_gone(claim: IdempotencyClaim) -> NotFound:
    return NotFound(
        f"What was created with Idempotency-Key '{claim.key}' was deleted.",
        param="Idempotency-Key",
    )
