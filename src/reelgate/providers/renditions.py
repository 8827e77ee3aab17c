"""Every file of one rendered video variant, from frames written once, in order: the MP4, its
half-size copy (Azure's `quality=low`), the WebP and JPEG thumbnails and the spritesheet.

Providers that make their own frames (the preview engine, local models) share this, so every
video reelgate makes has the same renditions, encoded the same way.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import TracebackType

import numpy as np

from reelgate.core.models import AssetVariant
from reelgate.media.encode import (
    DEFAULT_CRF,
    DEFAULT_PRESET,
    Mp4Writer,
    rgb_at,
    scaled_yuv,
    yuv_frame,
)
from reelgate.media.encode_thread import EncoderThread
from reelgate.media.thumbs import SpritesheetBuilder, SpritesheetLayout, half_size, write_thumbnail

# The low-quality copy: half the size, and a higher CRF.
LOW_CRF = 30
FILE_NAMES = {
    AssetVariant.VIDEO: "video.mp4",
    AssetVariant.VIDEO_LOW: "video-low.mp4",
    AssetVariant.THUMBNAIL: "thumbnail.webp",
    AssetVariant.THUMBNAIL_JPEG: "thumbnail.jpg",
    AssetVariant.SPRITESHEET: "spritesheet.jpg",
}
_MOVING = (AssetVariant.VIDEO, AssetVariant.VIDEO_LOW)


class VariantWriter:
    """Context manager: `write` each of the `total` frames, then `finish` for the stills.

    `written` lists every finished file, so a caller can remove them all when the job fails or
    is cancelled after this variant was done.
    """

    def __init__(
        self,
        directory: Path,
        width: int,
        height: int,
        fps: int,
        total: int,
        *,
        preset: str = DEFAULT_PRESET,
        crf: int = DEFAULT_CRF,
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.paths = {variant: directory / name for variant, name in FILE_NAMES.items()}
        self.total = total
        self._sizes = ((width, height), half_size(width, height))
        self._fps = fps
        self._preset = preset
        self._crf = crf
        self._sprites = SpritesheetBuilder(SpritesheetLayout.plan(total, fps, width, height))
        self._thumbnail: np.ndarray | None = None
        self._stack = contextlib.ExitStack()
        self._writers: tuple[Mp4Writer, Mp4Writer] | None = None
        self._encoder: EncoderThread | None = None
        self._frames_put = 0
        self.written: list[Path] = []

    def __enter__(self) -> VariantWriter:
        (width, height), (low_width, low_height) = self._sizes
        with contextlib.ExitStack() as opening:
            video = opening.enter_context(
                Mp4Writer(
                    self.paths[AssetVariant.VIDEO],
                    width,
                    height,
                    self._fps,
                    preset=self._preset,
                    crf=self._crf,
                )
            )
            low = opening.enter_context(
                Mp4Writer(
                    self.paths[AssetVariant.VIDEO_LOW],
                    low_width,
                    low_height,
                    self._fps,
                    preset=self._preset,
                    crf=LOW_CRF,
                )
            )
            self._encoder = opening.enter_context(EncoderThread((video, low)))
            self._stack = opening.pop_all()
        self._writers = (video, low)
        return self

    def write(self, frame: np.ndarray) -> None:
        assert self._writers is not None and self._encoder, "used outside its `with` block"
        video, low = self._writers
        index = self._frames_put
        if frame.shape != (video.height, video.width, 3):
            raise ValueError(f"expected a {video.height}x{video.width}x3 frame, got {frame.shape}")
        # One conversion to the encoder's format; the low copy and the tiles are scaled from
        # it by FFmpeg's scaler, not from the RGB frame by a second conversion.
        yuv = yuv_frame(frame)
        self._encoder.put((yuv, scaled_yuv(yuv, low.width, low.height)))
        self._frames_put += 1
        if self._sprites.wants(index):
            layout = self._sprites.layout
            self._sprites.add(index, rgb_at(yuv, layout.tile_width, layout.tile_height))
        if index == self.total // 3:
            self._thumbnail = frame.copy()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stack.__exit__(kind, error, traceback)
        if kind is None:
            assert self._writers is not None
            written = self._writers[0].frames_written
            if written != self.total:
                raise RuntimeError(f"rendered {written} frames, expected {self.total}")
            self.written.extend(self.paths[kind] for kind in _MOVING)

    def finish(self) -> dict[AssetVariant, Path]:
        """Write the thumbnails and the spritesheet; every file of the variant, by kind."""
        assert self._thumbnail is not None, "finish() before all frames were written"
        for variant in (AssetVariant.THUMBNAIL, AssetVariant.THUMBNAIL_JPEG):
            self.written.append(write_thumbnail(self._thumbnail, self.paths[variant]))
        self._sprites.save(self.paths[AssetVariant.SPRITESHEET])
        self.written.append(self.paths[AssetVariant.SPRITESHEET])
        return dict(self.paths)
