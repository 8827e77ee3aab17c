"""Tiny real media for the fakes to serve: one short MP4 (and stills) made once by the preview
engine, so reelgate's probe and derivation run on a genuine H.264 file."""

from __future__ import annotations

import functools
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from reelgate.core.models import AssetVariant, Phase
from reelgate.providers.base import VideoTask
from reelgate.providers.preview.video import PreviewVideoProvider

WIDTH, HEIGHT, SECONDS = 256, 144, 1


@dataclass(frozen=True)
class SampleMedia:
    video: bytes  # H.264 MP4, WIDTH x HEIGHT, SECONDS long
    low: bytes
    thumbnail_webp: bytes
    thumbnail_jpeg: bytes
    spritesheet: bytes
    png: bytes


def _quiet(_progress: float, _phase: Phase = Phase.RUNNING) -> None:
    """The sample's render reports progress to nobody."""


@functools.cache
def sample_media() -> SampleMedia:
    with tempfile.TemporaryDirectory() as folder:
        task = VideoTask(
            job_id="fake", prompt="a fake upstream", width=WIDTH, height=HEIGHT, seconds=SECONDS
        )
        (rendered,) = PreviewVideoProvider().generate_video(task, Path(folder), _quiet)
        files = {variant: path.read_bytes() for variant, path in rendered.files.items()}
    picture = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(picture, format="PNG")
    return SampleMedia(
        video=files[AssetVariant.VIDEO],
        low=files[AssetVariant.VIDEO_LOW],
        thumbnail_webp=files[AssetVariant.THUMBNAIL],
        thumbnail_jpeg=files[AssetVariant.THUMBNAIL_JPEG],
        spritesheet=files[AssetVariant.SPRITESHEET],
        png=picture.getvalue(),
    )
