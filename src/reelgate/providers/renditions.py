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
from reelgate.media.encode import DEFAULT_CRF, DEFAULT_PRESET, Mp4Writer
from reelgate.media.thumbs import (
    SpritesheetBuilder,
    SpritesheetLayout,
    half_size,
    halve,
    write_thumbnail,
)

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
            self._stack = opening.pop_all()
        self._writers = (video, low)
        return self

    def write(self, frame: np.ndarray) -> None:
        assert self._writers is not None, "used outside its `with` block"
        video, low = self._writers
        index = video.frames_written
        video.write(frame)
        low.write(halve(frame))
        self._sprites.offer(index, frame)
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
