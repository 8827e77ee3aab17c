"""Reading a byte range of a stored file without a thread hop when the page cache holds it.

A hop to a worker thread costs about as much as copying a MiB (bench/bench_download.py), and
players and download managers ask for ~1 MiB ranges of files other clients just read. Linux's
`RWF_NOWAIT` says, without waiting for the disk, whether a page is cached: when a byte every
256 KiB of the range is, and its last, the range is read on the event loop (nginx's sendfile
reads there too). Anything else, other systems, and file systems that do not support the flag,
read in a worker thread.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import anyio.to_thread

_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None)
_PROBE_SIZE = 1
# A page every 256 KiB, and the last: the kernel reads files ahead (and forgets them) in runs of
# 128 KiB and more, so a range whose probes are cached is, in all likelihood, cached throughout.
_PROBE_STRIDE = 256 * 1024
# Unsupported by this file system (or kernel): the read goes to a thread, as without the flag.
_UNSUPPORTED = {errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS}


async def read_range(path: Path, start: int, end: int) -> bytes:
    """Bytes `start` to `end` (exclusive) of `path`."""
    cached = _read_if_cached(path, start, end)
    if cached is not None:
        return cached
    return await anyio.to_thread.run_sync(_read, path, start, end)


def _read(path: Path, start: int, end: int) -> bytes:
    descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.pread(descriptor, end - start, start)
    finally:
        os.close(descriptor)


def _read_if_cached(path: Path, start: int, end: int) -> bytes | None:
    if _NOWAIT is None or end <= start:
        return None
    descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        probe = bytearray(_PROBE_SIZE)
        for offset in (*range(start, end, _PROBE_STRIDE), end - _PROBE_SIZE):
            if os.preadv(descriptor, [probe], offset, _NOWAIT) < _PROBE_SIZE:
                return None
        return os.pread(descriptor, end - start, start)
    except BlockingIOError:
        return None
    except OSError as error:
        if error.errno in _UNSUPPORTED:
            return None
        raise
    finally:
        os.close(descriptor)
