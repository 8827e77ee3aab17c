"""Per-process work-in-progress folders on local disk, shared by every kind of blob store.

Providers write files, probes read them: that work needs a local filesystem whichever store
keeps the finished blobs. One folder per process (`<host>-<pid>`) means processes sharing a data
directory (a server and workers) never remove each other's work.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class LocalStaging:
    """Private directories under `root/<host>-<pid>/`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._host = socket.gethostname()
        self._mine = root / f"{self._host}-{os.getpid()}"

    def clear(self) -> None:
        """Drop what processes of this host left when they died; their jobs will re-run."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            host, _, pid = folder.name.rpartition("-")
            if host == self._host and pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    def new_dir(self, prefix: str) -> Path:
        self._mine.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=self._mine))
