"""Serving stored media: the right media type, Content-Length, and HTTP Range support.

The one place that decides how a blob reaches a client: a local file through Starlette's
FileResponse, an object-store blob by redirect or pass-through (`remote_content`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from starlette.responses import FileResponse, Response

from reelgate.api.remote_content import RemoteBlobResponse
from reelgate.core.models import Asset
from reelgate.store.blob_storage import BlobSource

_EXTENSIONS = {"video/mp4": "mp4", "image/webp": "webp", "image/jpeg": "jpg", "image/png": "png"}
_CACHE = "private, max-age=3600"


def blob_response(
    source: BlobSource,
    *,
    media_type: str,
    filename: str,
    disposition: Literal["inline", "attachment"] = "inline",
) -> Response:
    """FileResponse answers HEAD, single and multiple byte ranges, and 416 for local files;
    RemoteBlobResponse does the same (one range) for object-store blobs, or redirects."""
    if isinstance(source, Path):
        return FileResponse(
            source,
            media_type=media_type,
            filename=filename,
            content_disposition_type=disposition,
            headers={"Cache-Control": _CACHE},
        )
    return RemoteBlobResponse(
        source,
        media_type=media_type,
        disposition=f'{disposition}; filename="{filename}"',
        cache=_CACHE,
    )


def asset_response(
    asset: Asset, source: BlobSource, name: str, *, media_type: str | None = None
) -> Response:
    """An asset shown inline as `<name>.<extension>`.

    `media_type` overrides the stored type where a dialect's document names another."""
    extension = _EXTENSIONS.get(asset.media_type, "bin")
    return blob_response(
        source, media_type=media_type or asset.media_type, filename=f"{name}.{extension}"
    )
