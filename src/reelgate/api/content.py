"""Serving stored media: the right media type, Content-Length, and HTTP Range support."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse

from reelgate.core.models import Asset

_EXTENSIONS = {"video/mp4": "mp4", "image/webp": "webp", "image/jpeg": "jpg", "image/png": "png"}


def asset_response(
    asset: Asset, path: Path, name: str, *, media_type: str | None = None
) -> FileResponse:
    """Starlette's FileResponse answers HEAD, single and multiple byte ranges, and 416.

    `media_type` overrides the stored type where a dialect's document names another."""
    extension = _EXTENSIONS.get(asset.media_type, "bin")
    return FileResponse(
        path,
        media_type=media_type or asset.media_type,
        filename=f"{name}.{extension}",
        content_disposition_type="inline",
        headers={"Cache-Control": "private, max-age=3600"},
    )
