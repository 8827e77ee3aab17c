"""Limits on client media by the work it causes, read from headers before anything is decoded.

Bytes say little: a 3 KB H.264 file can claim 16x4096 pixels a frame (and every frame is scaled
to cover the output size before cropping, so a thin source costs hundreds of output frames of
pixels each), and a 20 KB PNG can claim 36 million pixels. Source videos are held to a size per
side, an aspect ratio, a frame count and a number of decoded pixels; an image request to a
number of pixels over all its inputs and its mask together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reelgate.config import Settings
from reelgate.media.errors import InvalidMediaError
from reelgate.media.probe import VideoInfo, probe_video


def probe_source_video(path: Path, settings: Settings, name: str) -> VideoInfo:
    """A client's video described, then held to the limits below; frames are counted only up
    to one past the limit, so a file that states no count costs at most that much reading."""
    info = probe_video(path, count_limit=settings.max_source_video_frames + 1)
    check_source_video(info, settings, name)
    return info


def check_source_video(info: VideoInfo, settings: Settings, name: str) -> None:
    """Refuse a source video whose decoding would cost more than the configured limits
    (`name` is how messages call it, quoted as needed)."""
    width, height, frames = info.width, info.height, info.frames
    size = f"{width}x{height}"
    side = settings.max_source_video_side
    if max(width, height) > side:
        raise InvalidMediaError(f"{name} is {size}; each side may be at most {side} pixels")
    ratio = settings.max_source_video_aspect_ratio
    if max(width, height) > ratio * min(width, height):
        raise InvalidMediaError(
            f"{name} is {size}, past the aspect ratio limit of {ratio:g}:1 (either way)"
        )
    if info.duration > settings.max_source_video_seconds:
        raise InvalidMediaError(
            f"{name} is {info.duration:.1f} s long; the limit is "
            f"{settings.max_source_video_seconds} s"
        )
    if frames > settings.max_source_video_frames:
        raise InvalidMediaError(
            f"{name} has {frames} frames; the limit is {settings.max_source_video_frames} frames"
        )
    decoded = width * height * frames
    if decoded > settings.max_source_video_pixels:
        raise InvalidMediaError(
            f"{name} decodes to {decoded} pixels ({size}, {frames} frames); the limit is "
            f"{settings.max_source_video_pixels} decoded pixels"
        )


def over_request_budget(sizes: Sequence[tuple[int, int]], budget: int) -> int | None:
    """The index of the first input that takes the request past `budget` pixels, if any."""
    total = 0
    for index, (width, height) in enumerate(sizes):
        total += width * height
        if total > budget:
            return index
    return None


def request_budget_message(sizes: Sequence[tuple[int, int]], budget: int) -> str:
    total = sum(width * height for width, height in sizes)
    listed = ", ".join(f"{width}x{height}" for width, height in sizes)
    return (
        f"The request's images hold {total} pixels together ({listed}); the limit is {budget} "
        "pixels per request, inputs and mask together."
    )
