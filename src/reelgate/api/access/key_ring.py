"""The API keys, cached in memory: requests are authenticated without a database read.

Every process re-reads the keys every `refresh_seconds`, so a revocation or a new key reaches
all replicas within that time; a key id this process does not know yet triggers a re-read (at
most twice a second, so unknown ids cannot flood the database).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import anyio.to_thread

from reelgate.core.api_keys import ApiKey, KeyRecords, key_id_of, matches

_MISS_REFRESH_SECONDS = 0.5


class KeyRing:
    def __init__(
        self,
        store: KeyRecords,
        refresh_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._keys: dict[str, ApiKey] = {}
        self._open = True
        self._loaded_at = -float("inf")
        self._lock = asyncio.Lock()

    def load(self) -> None:
        """Read the keys (blocking)."""
        keys = self.store.all()
        self._keys = {key.id: key for key in keys}
        self._open = not keys  # revoking every key does not reopen the server
        self._loaded_at = self._clock()

    async def _refresh(self, older_than: float) -> None:
        if self._clock() - self._loaded_at < older_than:
            return
        async with self._lock:
            if self._clock() - self._loaded_at < older_than:
                return  # another request refreshed while this one waited
            await anyio.to_thread.run_sync(self.load)

    async def is_open(self) -> bool:
        """Open mode: no key was ever created, so every request is served as the one owner."""
        await self._refresh(self.refresh_seconds)
        return self._open

    async def is_active(self, key_id: str) -> bool:
        """Whether a key that was valid is still (open streams ask, to end when revoked)."""
        await self._refresh(self.refresh_seconds)
        key = self._keys.get(key_id)
        return key is not None and key.active

    async def check(self, presented: str) -> ApiKey | None:
        """The active key `presented` is, or None."""
        key_id = key_id_of(presented)
        if key_id is None:
            return None
        await self._refresh(self.refresh_seconds)
        key = self._keys.get(key_id)
        if key is None:
            await self._refresh(_MISS_REFRESH_SECONDS)
            key = self._keys.get(key_id)
        if key is None or not key.active or not matches(key, presented):
            return None
        return key
