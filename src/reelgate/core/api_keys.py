"""API keys: how they are made, what is kept of them, and how a presented key is checked.

A key reads `rg_<id>_<secret>`. The id finds the stored record (and owns the key's jobs); only a
SHA-256 of the whole key is kept, compared in constant time. Keys carry 256 random bits, so a
fast hash is enough: there is nothing to brute-force that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Protocol

from reelgate.core.callers import Caller

_PREFIX = "rg"


@dataclass(frozen=True)
class ApiKey:
    """A stored key: never the key itself, only what identifies and limits it."""

    id: str
    name: str
    secret_hash: str
    admin: bool = False
    rpm: int | None = None
    max_concurrent: int | None = None
    daily_seconds: int | None = None
    created_at: float = 0.0
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def caller(self) -> Caller:
        return Caller(
            owner=self.id,
            admin=self.admin,
            key_name=self.name,
            max_concurrent=self.max_concurrent,
            daily_seconds=self.daily_seconds,
        )


class KeyRecords(Protocol):
    """Where the keys are kept (`store/keys.py`): what a key check reads."""

    def all(self) -> list[ApiKey]: ...


def new_key_id() -> str:
    return "key_" + secrets.token_hex(8)


def new_secret(key_id: str) -> str:
    """The key handed to its holder once: the id, then 256 random bits."""
    return f"{_PREFIX}_{key_id.removeprefix('key_')}_{secrets.token_urlsafe(32)}"


def hash_secret(presented: str) -> str:
    return hashlib.sha256(presented.encode()).hexdigest()


def key_id_of(presented: str) -> str | None:
    """The id a presented key claims, or None when it is not shaped like one of ours."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != _PREFIX or not parts[1] or not parts[2]:
        return None
    return "key_" + parts[1]


def matches(key: ApiKey, presented: str) -> bool:
    return hmac.compare_digest(key.secret_hash, hash_secret(presented))
