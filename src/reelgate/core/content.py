"""What a content route is handed to serve: a local file, or a blob an object store serves.

The store makes these (`BlobStorage.source`); dialects serve them without knowing which store
holds the media.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Literal, Protocol


class RemoteMedia(Protocol):
    """A blob in an object store: served by redirect to a presigned URL, or passed through."""

    @property
    def size(self) -> int: ...

    @property
    def serve(self) -> Literal["proxy", "redirect"]: ...

    def presigned_url(self, *, media_type: str, disposition: str) -> str:
        """A short-lived GET URL whose answer carries this media type and download name."""

    def open_range(self, start: int, end: int) -> Generator[bytes, None, None]:
        """The bytes `start..end` (inclusive), as they arrive; close it when done."""


MediaSource = Path | RemoteMedia
