"""What a preview clip shows, derived only from the request: palette, backdrop, moving shapes.

Everything comes from SHA-256 output read as numbers, never from a random number generator:
NumPy and Python do not promise identical random streams across versions, while a hash does, so
the same request yields the same scene on any machine and release. The palette and the layout
(shapes and motion) are read from separately keyed streams, which lets a remix keep the source's
composition while taking the new prompt's colours.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

Color = tuple[int, int, int]
_T = TypeVar("_T")


class BackgroundStyle(StrEnum):
    LINEAR = "linear"  # two-colour gradient at an angle
    RADIAL = "radial"  # a glow around a point
    WAVES = "waves"  # soft diagonal bands over a gradient


class ShapeKind(StrEnum):
    CIRCLE = "circle"
    BLOB = "blob"  # wobbly outline with a soft edge
    RING = "ring"
    BAR = "bar"  # rotated rounded rectangle


@dataclass(frozen=True)
class Palette:
    background: tuple[Color, Color]  # gradient from, to
    glow: Color  # highlight used by radial and wave backgrounds
    accents: tuple[Color, ...]  # shape colours
    shadow: Color  # darkest tone, used for colour grading
    highlight: Color  # lightest tone, used for colour grading


@dataclass(frozen=True)
class Shape:
    """A shape moving on a Lissajous path; sizes are fractions of the frame's shorter side."""

    kind: ShapeKind
    accent: int  # index into `Palette.accents`
    size: float  # diameter, or long side for bars
    aspect: float  # bars: short side / long side
    angle: float  # bars: rotation in radians
    wobble: int  # blobs: number of lobes
    softness: float  # edge feather as a fraction of the size
    opacity: float  # 0..1
    center: tuple[float, float]  # 0..1 of the frame
    amplitude: tuple[float, float]  # 0..1 of the frame
    frequency: tuple[float, float]  # cycles per second, before `Scene.speed`
    phase: tuple[float, float]  # 0..1 of a cycle

    def position(self, seconds: float, speed: float) -> tuple[float, float]:
        """Center of the shape at time `seconds`, as fractions of the frame."""
        x = self.center[0] + self.amplitude[0] * math.sin(
            2 * math.pi * (self.frequency[0] * speed * seconds + self.phase[0])
        )
        y = self.center[1] + self.amplitude[1] * math.sin(
            2 * math.pi * (self.frequency[1] * speed * seconds + self.phase[1])
        )
        return x, y


@dataclass(frozen=True)
class Scene:
    caption: str
    palette: Palette
    background: BackgroundStyle
    gradient_angle: float  # radians
    glow_center: tuple[float, float]  # 0..1 of the frame
    wave_count: float  # bands across the frame, for WAVES
    pan: tuple[float, float]  # unit direction the backdrop drifts in over the clip
    speed: float  # multiplies every shape's frequency
    shapes: tuple[Shape, ...]


def scene_key(
    prompt: str, *, seed: int | None, width: int, height: int, seconds: int, fps: int, variant: int
) -> bytes:
    """SHA-256 of everything that identifies one output, as an unambiguous JSON-like record."""
    record = repr((prompt, seed, width, height, seconds, fps, variant)).encode("utf-8")
    return hashlib.sha256(b"reelgate-preview-scene-v1\x00" + record).digest()


def build_scene(caption: str, *, palette_key: bytes, layout_key: bytes) -> Scene:
    """The scene whose colours come from `palette_key` and composition from `layout_key`."""
    palette_bytes = _HashStream(palette_key, b"palette")
    layout = _HashStream(layout_key, b"layout")
    palette = _build_palette(palette_bytes)
    shape_count = layout.integer(3, 7)
    return Scene(
        caption=caption,
        palette=palette,
        background=layout.choice(tuple(BackgroundStyle)),
        gradient_angle=layout.uniform(0, 2 * math.pi),
        glow_center=(layout.uniform(0.2, 0.8), layout.uniform(0.15, 0.6)),
        wave_count=layout.uniform(1.5, 4.5),
        pan=_unit_vector(layout.uniform(0, 2 * math.pi)),
        speed=layout.uniform(0.7, 1.6),
        shapes=tuple(_build_shape(layout, len(palette.accents)) for _ in range(shape_count)),
    )


def _build_palette(stream: _HashStream) -> Palette:
    base_hue = stream.unit()
    scheme = stream.choice(((0.08, -0.08), (0.5, 0.45), (1 / 3, 2 / 3), (0.42, 0.58), (0.16, 0.5)))
    hues = (base_hue, base_hue + scheme[0], base_hue + scheme[1])
    background_lightness = stream.uniform(0.1, 0.32)
    background = (
        _hls(
            hues[0] + stream.uniform(-0.04, 0.04), background_lightness, stream.uniform(0.35, 0.8)
        ),
        _hls(hues[1], background_lightness * stream.uniform(0.35, 0.8), stream.uniform(0.3, 0.8)),
    )
    accents = tuple(
        _hls(
            hues[k % 3] + stream.uniform(-0.03, 0.03),
            stream.uniform(0.48, 0.72),
            stream.uniform(0.6, 0.95),
        )
        for k in range(5)
    )
    return Palette(
        background=background,
        glow=_hls(hues[2], stream.uniform(0.45, 0.65), stream.uniform(0.5, 0.9)),
        accents=accents,
        shadow=_hls(hues[1], 0.12, 0.7),
        highlight=_hls(hues[0], 0.86, 0.8),
    )


def _build_shape(stream: _HashStream, accent_count: int) -> Shape:
    kind = stream.choice(tuple(ShapeKind))
    return Shape(
        kind=kind,
        accent=stream.integer(0, accent_count - 1),
        size=stream.uniform(0.14, 0.42) if kind is not ShapeKind.BAR else stream.uniform(0.3, 0.6),
        aspect=stream.uniform(0.12, 0.3),
        angle=stream.uniform(0, math.pi),
        wobble=stream.integer(3, 6),
        softness=stream.uniform(0.25, 0.45)
        if kind is ShapeKind.BLOB
        else stream.uniform(0.0, 0.06),
        opacity=stream.uniform(0.55, 0.92),
        center=(stream.uniform(0.2, 0.8), stream.uniform(0.2, 0.75)),
        amplitude=(stream.uniform(0.05, 0.3), stream.uniform(0.05, 0.25)),
        frequency=(stream.uniform(0.06, 0.3), stream.uniform(0.06, 0.3)),
        phase=(stream.unit(), stream.unit()),
    )


def _hls(hue: float, lightness: float, saturation: float) -> Color:
    red, green, blue = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def _unit_vector(angle: float) -> tuple[float, float]:
    return math.cos(angle), math.sin(angle)


class _HashStream:
    """An endless, reproducible supply of numbers: SHA-256(key, domain, counter) blocks."""

    def __init__(self, key: bytes, domain: bytes) -> None:
        self._key = key + b"\x00" + domain
        self._counter = 0
        self._buffer = b""

    def _take(self, count: int) -> bytes:
        while len(self._buffer) < count:
            block = hashlib.sha256(self._key + self._counter.to_bytes(8, "big")).digest()
            self._buffer += block
            self._counter += 1
        taken, self._buffer = self._buffer[:count], self._buffer[count:]
        return taken

    def unit(self) -> float:
        """A float in [0, 1) with 32 bits of resolution."""
        return int.from_bytes(self._take(4), "big") / 2**32

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.unit()

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high], both ends included."""
        return low + min(high - low, int(self.unit() * (high - low + 1)))

    def choice(self, options: tuple[_T, ...]) -> _T:
        return options[self.integer(0, len(options) - 1)]
