"""Still images that accompany a video: a WebP thumbnail and a JPEG spritesheet for scrubbing.

Both are built from frames the renderer already has in memory while encoding, so producing them
never needs a second decode of the finished video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

THUMBNAIL_LONG_SIDE = 640
TILE_LONG_SIDE = 160
MAX_COLUMNS = 10
MAX_ROWS = 10


def shrink_to_long_side(frame: np.ndarray, long_side: int) -> Image.Image:
    """An RGB image of `frame` whose longer side is at most `long_side`, aspect kept.

    Reduces by an integer factor first (a fast box filter) and only then resamples the small
    remainder, which is much cheaper than resampling the full frame.
    """
    image = Image.fromarray(frame, "RGB")
    width, height = image.size
    if max(width, height) <= long_side:
        return image
    scale = long_side / max(width, height)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    factor = max(width, height) // long_side
    if factor >= 2:
        image = image.reduce(factor)
    if image.size != target:
        image = image.resize(target, Image.Resampling.BILINEAR)
    return image


_THUMBNAIL_FORMATS = {
    ".webp": {"format": "WEBP", "quality": 80, "method": 4},
    ".jpg": {"format": "JPEG", "quality": 85},
    ".jpeg": {"format": "JPEG", "quality": 85},
}


def write_thumbnail(frame: np.ndarray, path: Path, *, long_side: int = THUMBNAIL_LONG_SIDE) -> Path:
    """Save `frame` (HxWx3 uint8 RGB) no larger than `long_side` on its longer side, as WebP or
    JPEG according to the suffix of `path`."""
    options = _THUMBNAIL_FORMATS.get(path.suffix.lower())
    if options is None:
        raise ValueError(f"unsupported thumbnail format: {path.name}")
    shrink_to_long_side(frame, long_side).save(path, **options)
    return path


def half_size(width: int, height: int) -> tuple[int, int]:
    """Dimensions of the low-quality copy: half of each side, kept even for H.264 4:2:0."""
    return max(2, width // 2 - (width // 2) % 2), max(2, height // 2 - (height // 2) % 2)


def halve(frame: np.ndarray) -> np.ndarray:
    """`frame` at `half_size`, each pixel the rounded mean of a 2x2 block (a box filter: no
    aliasing). Pillow's `reduce(2)` computes exactly that, about 3x faster than numpy here. For
    decoded RGB frames (an upstream's video); frames reelgate encodes itself are scaled from
    their yuv420p form (`media.encode.scaled_yuv`)."""
    height, width = frame.shape[:2]
    out_width, out_height = half_size(width, height)
    cropped = frame[: out_height * 2, : out_width * 2]
    return np.asarray(Image.fromarray(np.ascontiguousarray(cropped)).reduce(2))


@dataclass(frozen=True)
class SpritesheetLayout:
    """Where each sampled frame sits in the sheet; API clients use it to map time to a tile.

    Tile `k` (row-major, `k = row * columns + col`) shows frame `frame_indices[k]`, taken at
    `k * interval` seconds and standing for the `interval` seconds that follow.
    """

    columns: int
    rows: int
    tile_width: int
    tile_height: int
    interval: float  # seconds between tiles
    frame_indices: tuple[int, ...]

    @property
    def tiles(self) -> int:
        return len(self.frame_indices)

    @property
    def sheet_size(self) -> tuple[int, int]:
        return self.columns * self.tile_width, self.rows * self.tile_height

    @classmethod
    def plan(
        cls,
        total_frames: int,
        fps: float,
        width: int,
        height: int,
        *,
        max_tiles: int = MAX_COLUMNS * MAX_ROWS,
        tile_long_side: int = TILE_LONG_SIDE,
    ) -> SpritesheetLayout:
        """Sample up to `max_tiles` frames evenly over a clip of `total_frames` frames."""
        if total_frames <= 0 or fps <= 0:
            raise ValueError("a spritesheet needs at least one frame and a positive fps")
        count = min(total_frames, max_tiles)
        columns = min(MAX_COLUMNS, count)
        rows = math.ceil(count / columns)
        scale = min(1.0, tile_long_side / max(width, height))
        indices = tuple(k * total_frames // count for k in range(count))
        return cls(
            columns=columns,
            rows=rows,
            tile_width=max(1, round(width * scale)),
            tile_height=max(1, round(height * scale)),
            interval=total_frames / count / fps,
            frame_indices=indices,
        )


class SpritesheetBuilder:
    """Collects tiles while frames stream past, then saves them as one JPEG grid.

    Call `offer(index, frame)` for every frame in order; only the sampled ones are kept, as
    small tiles, so memory stays tiny however long the clip is.
    """

    def __init__(self, layout: SpritesheetLayout) -> None:
        self.layout = layout
        self._wanted = {index: k for k, index in enumerate(layout.frame_indices)}
        self._tiles: dict[int, Image.Image] = {}

    def wants(self, index: int) -> bool:
        """Whether frame `index` becomes a tile (then `add` it, or `offer` the frame)."""
        return index in self._wanted

    def offer(self, index: int, frame: np.ndarray) -> None:
        if not self.wants(index):
            return
        self.add(index, shrink_to_long_side(frame, max(self.layout.tile_width,
                                                       self.layout.tile_height)))  # fmt: skip

    def add(self, index: int, tile: Image.Image | np.ndarray) -> None:
        """Keep `tile` (a frame already made small, ideally at `tile_width` x `tile_height`)
        as the tile of frame `index`."""
        slot = self._wanted[index]
        if isinstance(tile, np.ndarray):
            tile = Image.fromarray(tile, "RGB")
        size = (self.layout.tile_width, self.layout.tile_height)
        if tile.size != size:
            tile = tile.resize(size, Image.Resampling.BILINEAR)
        self._tiles[slot] = tile

    def save(self, path: Path) -> SpritesheetLayout:
        """Write the sheet; tiles never offered (e.g. a short source) stay black."""
        layout = self.layout
        sheet = Image.new("RGB", layout.sheet_size, (0, 0, 0))
        for slot, tile in self._tiles.items():
            row, col = divmod(slot, layout.columns)
            sheet.paste(tile, (col * layout.tile_width, row * layout.tile_height))
        sheet.save(path, format="JPEG", quality=80, optimize=True)
        return layout
