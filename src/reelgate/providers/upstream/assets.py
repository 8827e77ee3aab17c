"""Completing what an upstream returned into the full set of assets every dialect serves.

Upstreams return an MP4 and sometimes a thumbnail; reelgate's dialects also serve a WebP and a
JPEG thumbnail, a half-size copy (Azure's `quality=low`) and a spritesheet. Whatever is missing
is derived here in one decode of the fetched video, which also proves the file is a playable
video before the job is marked completed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from reelgate.core.models import AssetVariant
from reelgate.media.encode import Mp4Writer
from reelgate.media.errors import InvalidMediaError
from reelgate.media.probe import iter_frames, probe_video
from reelgate.media.thumbs import (
    SpritesheetBuilder,
    SpritesheetLayout,
    half_size,
    halve,
    write_thumbnail,
)
from reelgate.providers.base import RenderedVideo
from reelgate.providers.renditions import FILE_NAMES, LOW_CRF
from reelgate.providers.upstream.errors import UpstreamProtocolError

_DERIVED_NAMES = {
    variant: name for variant, name in FILE_NAMES.items() if variant is not AssetVariant.VIDEO
}


def complete_assets(
    provider: str, index: int, files: dict[AssetVariant, Path], fps: int = 24
) -> RenderedVideo:
    """A `RenderedVideo` for a fetched output, with every missing variant derived from VIDEO."""
    video = files[AssetVariant.VIDEO]
    try:
        info = probe_video(video)
    except InvalidMediaError as exc:
        raise UpstreamProtocolError(
            provider, f"output {index} is not a playable video ({exc})"
        ) from None
    missing = [variant for variant in _DERIVED_NAMES if variant not in files]
    completed = dict(files)
    if missing:
        width, height = info.width - info.width % 2, info.height - info.height % 2
        rate = max(1, round(info.fps or fps))
        paths = {variant: video.with_name(_DERIVED_NAMES[variant]) for variant in missing}
        layout = SpritesheetLayout.plan(max(1, info.frames), rate, width, height)
        sprites = SpritesheetBuilder(layout)
        thumbnail_frame: np.ndarray | None = None
        try:
            with contextlib.ExitStack() as stack:
                low = None
                if AssetVariant.VIDEO_LOW in paths:
                    low_size = half_size(width, height)
                    low = stack.enter_context(
                        Mp4Writer(paths[AssetVariant.VIDEO_LOW], *low_size, rate, crf=LOW_CRF)
                    )
                for number, frame in enumerate(iter_frames(video)):
                    frame = np.ascontiguousarray(frame[:height, :width])
                    if low is not None:
                        low.write(halve(frame))
                    sprites.offer(number, frame)
                    if thumbnail_frame is None or number == info.frames // 3:
                        thumbnail_frame = frame
        except InvalidMediaError as exc:
            raise UpstreamProtocolError(
                provider, f"output {index} does not decode ({exc})"
            ) from None
        assert thumbnail_frame is not None  # probe_video decoded at least one frame
        for variant in (AssetVariant.THUMBNAIL, AssetVariant.THUMBNAIL_JPEG):
            if variant in paths:
                write_thumbnail(thumbnail_frame, paths[variant])
        if AssetVariant.SPRITESHEET in paths:
            sprites.save(paths[AssetVariant.SPRITESHEET])
        completed.update(paths)
    return RenderedVideo(
        index=index,
        width=info.width,
        height=info.height,
        seconds=info.duration,
        files=completed,
    )
