"""Recognising storage faults (disk full, permission denied, read-only, I/O error).

A full disk or an unwritable data directory is a condition of the server, not a bug and not the
client's mistake: a job that hits one fails with the code `storage_error`, a request that hits one
answers 503, and both say which condition it was in words built from the errno alone (the
exception's own text names server paths, which clients must not see).
"""

from __future__ import annotations

import errno
import os

STORAGE_ERROR = "storage_error"

_STORAGE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO}
)


class StorageFailed(OSError):
    """A blob store that is not a filesystem (an object store) could not be written or read."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EIO, reason)
        self.reason = reason


def storage_fault(exc: BaseException) -> str | None:
    """What went wrong with storage, in words fit for a client, if `exc` (or what caused it) is a
    storage fault; None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StorageFailed):
            return f"Storage failed: {current.reason}."
        if isinstance(current, OSError) and current.errno in _STORAGE_ERRNOS:
            name = errno.errorcode[current.errno]
            return f"Storage failed: {os.strerror(current.errno)} ({name})."
        current = current.__cause__ or current.__context__
    return None
