"""Retrying transactions that lost a race for a lock, instead of failing the request with a 500.

SQLite answers "database is locked" when another writer held the database for longer than the
busy timeout (`store/engine.py`); PostgreSQL aborts a transaction that deadlocked, could not be
serialized, or waited past a lock timeout. In each case the transaction was rolled back whole and
running it again is safe, so a store method is simply called again after a short, growing,
jittered pause, for up to `deadline` seconds. Only then does the error surface; the app renders
it as 503 with `Retry-After` (`is_transient` tells it apart from real database faults).

Applied to a whole store class (`@retrying_store`): every public method of a store is one
transaction, so retrying the method retries exactly that transaction.
"""

from __future__ import annotations

import functools
import inspect
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger("reelgate.store")

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_TRANSIENT_SQLITE = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_LOCKED_WORDS = ("database is locked", "database table is locked")

DEFAULT_DEADLINE = 20.0
_FIRST_PAUSE = 0.05
_LONGEST_PAUSE = 1.0

StoreT = TypeVar("StoreT", bound=type)
_inside = threading.local()  # a retried method calling another must not multiply the retries


def is_transient(exc: BaseException) -> bool:
    """A lock or serialization conflict: the transaction was rolled back and may run again."""
    if not isinstance(exc, DBAPIError):
        return False
    original = exc.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _TRANSIENT_SQLITE  # extended codes: BUSY_SNAPSHOT, ...
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _TRANSIENT_SQLSTATES
    return any(words in str(original) for words in _LOCKED_WORDS)


def retry_transient(
    method: Callable[..., Any],
    *,
    deadline: float = DEFAULT_DEADLINE,
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[..., Any]:
    """`method`, called again while it fails with a transient error and time is left."""

    @functools.wraps(method)
    def retried(*args: Any, **kwargs: Any) -> Any:
        if getattr(_inside, "active", False):
            return method(*args, **kwargs)
        _inside.active = True
        try:
            give_up_at = time.monotonic() + deadline
            attempt = 0
            while True:
                try:
                    return method(*args, **kwargs)
                except DBAPIError as exc:
                    pause = min(_LONGEST_PAUSE, _FIRST_PAUSE * 2**attempt)
                    pause *= random.uniform(0.5, 1.0)
                    if not is_transient(exc) or time.monotonic() + pause > give_up_at:
                        raise
                    attempt += 1
                    log.warning(
                        "%s: %s; retrying (attempt %d)",
                        method.__qualname__,
                        str(exc.orig).strip(),
                        attempt + 1,
                    )
                    sleep(pause)
        finally:
            _inside.active = False

    return retried


def retrying_store(cls: StoreT) -> StoreT:
    """Class decorator: every public method of the store retries transient errors."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        setattr(cls, name, retry_transient(member))
    return cls
