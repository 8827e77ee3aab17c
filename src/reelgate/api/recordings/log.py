"""What clients sent, kept so that an app's own tests can assert on it (`GET /api/recordings`).

In this process's memory only, bounded: the newest `record_requests_max` requests are kept and
older ones dropped (a restart, or `DELETE /api/recordings`, empties it; several replicas each
keep their own). Records are numbered in the order requests arrived.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from reelgate.core.callers import Caller


@dataclass(frozen=True)
class Recording:
    seq: int  # arrival order, from 1
    at: float  # Unix time the request arrived
    owner: str | None  # the caller's owner id (who may read this record)
    key: str  # the caller's key name, owner id, or "open"
    method: str
    path: str
    query_string: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names; secrets removed
    body_kind: str  # json | multipart | form | text | binary | none
    body: Any  # JSON as JSON; multipart as fields and files (names, sizes, types, no bytes)
    body_bytes: int
    body_truncated: bool
    status: int | None  # the answer's status code (None: no answer was sent)

    def as_json(self) -> dict[str, Any]:
        record = asdict(self)
        del record["owner"]
        return record


class RequestLog:
    def __init__(self, max_records: int, clock: Callable[[], float]) -> None:
        self._records: deque[Recording] = deque(maxlen=max_records)
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self.clock = clock

    def next_seq(self) -> int:
        with self._lock:
            return next(self._numbers)

    def add(self, recording: Recording) -> None:
        with self._lock:
            self._records.append(recording)

    def visible_to(
        self,
        caller: Caller,
        *,
        key: str | None = None,
        method: str | None = None,
        path: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[Recording]:
        """The caller's records (an admin's or open mode's: everyone's) in arrival order,
        filtered by key, method, path prefix and sequence number."""
        with self._lock:
            records = sorted(self._records, key=lambda record: record.seq)
        chosen = [
            record
            for record in records
            if caller.sees(record.owner)
            and (key is None or record.key == key)
            and (method is None or record.method == method.upper())
            and (path is None or record.path.startswith(path))
            and (after is None or record.seq > after)
        ]
        return chosen[:limit]

    def clear(self, caller: Caller) -> int:
        """Forget the caller's records (an admin's or open mode's: all); how many went."""
        with self._lock:
            kept = [record for record in self._records if not caller.sees(record.owner)]
            removed = len(self._records) - len(kept)
            self._records.clear()
            self._records.extend(kept)
        return removed
