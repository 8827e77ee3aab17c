"""Client media placed into rendered frames (Azure's inpaint items), for the preview engine.

Each layer appears from its frame index on: the part of the media item its crop bounds select is
shown in the same part of the frame (full bounds: the item fills the frame). An image stays; a
video plays from that frame and then holds its last frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from reelgate.core.models import MediaKind
from reelgate.media.probe import FrameCursor, iter_frames, probe_video
from reelgate.providers.base import InpaintLayer


@dataclass(frozen=True)
class _Box:
    left: int
    top: int
    right: int
    bottom: int

    @classmethod
    def of(cls, layer: InpaintLayer, width: int, height: int) -> _Box:
        left, right = _span(layer.left, layer.right, width)
        top, bottom = _span(layer.top, layer.bottom, height)
        return cls(left, top, right, bottom)

    @property
    def size(self) -> tuple[int, int]:
        return self.right - self.left, self.bottom - self.top


def _span(start: float, end: float, length: int) -> tuple[int, int]:
    """Pixel range of a fraction range, at least one pixel wide."""
    first = min(length - 1, max(0, round(start * length)))
    last = min(length, max(first + 1, round(end * length)))
    return first, last


def _crop_and_fit(image: Image.Image, layer: InpaintLayer, size: tuple[int, int]) -> np.ndarray:
    width, height = image.size
    region = _Box.of(layer, width, height)
    cropped = image.crop((region.left, region.top, region.right, region.bottom))
    return np.asarray(cropped.convert("RGB").resize(size, Image.Resampling.BILINEAR))


class _ImageLayer:
    def __init__(self, layer: InpaintLayer, box: _Box) -> None:
        with Image.open(layer.path) as image:
            self._pixels = _crop_and_fit(image, layer, box.size)

    def pixels(self, _offset: int) -> np.ndarray:
        return self._pixels


class _VideoLayer:
    def __init__(self, layer: InpaintLayer, box: _Box, fps: int) -> None:
        self._layer = layer
        self._size = box.size
        self._step = (probe_video(layer.path).fps or fps) / fps
        self._cursor = FrameCursor(lambda: iter_frames(layer.path))
        self._cached: tuple[int, np.ndarray] | None = None

    def pixels(self, offset: int) -> np.ndarray:
        position = int(offset * self._step + 1e-6)
        if self._cached is None or self._cached[0] != position:
            frame = Image.fromarray(self._cursor.frame_at(position), "RGB")
            self._cached = (position, _crop_and_fit(frame, self._layer, self._size))
        return self._cached[1]


class InpaintCompositor:
    def __init__(
        self, layers: tuple[InpaintLayer, ...], width: int, height: int, fps: int = 24
    ) -> None:
        self._layers: list[tuple[InpaintLayer, _Box, _ImageLayer | _VideoLayer]] = []
        for layer in sorted(layers, key=lambda item: item.frame_index):
            box = _Box.of(layer, width, height)
            source = (
                _ImageLayer(layer, box)
                if layer.kind is MediaKind.IMAGE
                else _VideoLayer(layer, box, fps)
            )
            self._layers.append((layer, box, source))

    def apply(self, frame: np.ndarray, index: int) -> np.ndarray:
        """`frame` with every layer that has started by frame `index` painted on (a copy)."""
        active = [entry for entry in self._layers if entry[0].frame_index <= index]
        if not active:
            return frame
        painted = frame.copy()
        for layer, box, source in active:
            pixels = source.pixels(index - layer.frame_index)
            painted[box.top : box.bottom, box.left : box.right] = pixels
        return painted
