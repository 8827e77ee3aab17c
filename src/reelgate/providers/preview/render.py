"""Turn a `Scene` into frames, fast enough that encoding, not drawing, dominates.

Everything expensive is done once per clip: the backdrop is drawn oversized and each frame is a
slice of it (panning costs a copy), shapes and text are rasterised once into premultiplied
"stamps", and per frame a stamp is blended only inside its own bounding box with integer math.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reelgate.media.images import fit_cover
from reelgate.providers.preview.caption_layout import wrap_caption
from reelgate.providers.preview.scenes import (
    BackgroundStyle,
    Color,
    Palette,
    Scene,
    Shape,
    ShapeKind,
)

LABEL = "reelgate preview"
_TIMECODE_GLYPHS = "0123456789:"


class Stamp:
    """An RGBA patch prepared for repeated alpha blending onto uint8 RGB frames.

    Alpha is scaled to 0..256 so blending is `(dst * (256 - a) + src * a) >> 8` in uint16,
    which cannot overflow and needs no division.
    """

    def __init__(self, rgba: np.ndarray, anchor: tuple[int, int] = (0, 0)) -> None:
        """`anchor` is the patch pixel that `blend`'s position refers to (default: top-left)."""
        alpha = rgba[..., 3]
        rows = np.flatnonzero(alpha.any(axis=1))
        cols = np.flatnonzero(alpha.any(axis=0))
        if rows.size == 0:
            rows, cols = np.array([0]), np.array([0])
        # Fully transparent borders are trimmed; remember where the kept part starts.
        self.origin = (int(cols[0]) - anchor[0], int(rows[0]) - anchor[1])
        trimmed = rgba[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        weight = trimmed[..., 3:4].astype(np.uint16)
        weight += weight >> 7  # 255 -> 256, so opaque pixels replace the frame exactly
        # Stored per channel: a same-shape multiply is much faster than a broadcast one.
        self.inverse = np.repeat(256 - weight, 3, axis=2)
        self.premultiplied = trimmed[..., :3].astype(np.uint16) * weight
        self.height, self.width = trimmed.shape[:2]

    def blend(self, frame: np.ndarray, left: int, top: int) -> None:
        """Composite onto `frame` in place with the anchor pixel at (left, top)."""
        left += self.origin[0]
        top += self.origin[1]
        frame_h, frame_w = frame.shape[:2]
        x0, y0 = max(left, 0), max(top, 0)
        x1, y1 = min(left + self.width, frame_w), min(top + self.height, frame_h)
        if x0 >= x1 or y0 >= y1:
            return
        region = frame[y0:y1, x0:x1]
        patch = (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))
        mixed = region.astype(np.uint16)
        mixed *= self.inverse[patch]
        mixed += self.premultiplied[patch]
        mixed >>= 8
        region[...] = mixed


class SceneRenderer:
    """Renders frame `i` of a scene at a fixed size.

    `timeline_offset`/`timeline_frames` place these frames inside a longer output (an extension
    after a source video) so the timecode and progress bar continue instead of restarting.
    """

    def __init__(
        self,
        scene: Scene,
        width: int,
        height: int,
        fps: int,
        frames: int,
        *,
        backdrop: Image.Image | None = None,
        shape_opacity: float | None = None,
        timeline_offset: int = 0,
        timeline_frames: int | None = None,
    ) -> None:
        """`shape_opacity` scales every shape's opacity; by default shapes are lighter over a
        `backdrop` (a reference image) so the image stays recognisable."""
        self.scene = scene
        self.width = width
        self.height = height
        self.fps = fps
        self.frames = frames
        self.timeline_offset = timeline_offset
        self.timeline_frames = timeline_frames or timeline_offset + frames
        self._margin = (max(4, round(width * 0.04)), max(4, round(height * 0.04)))
        self._backdrop = backdrop
        self._background: np.ndarray | None = None  # drawn on first use; `decorate` needs none
        if shape_opacity is None:
            shape_opacity = 0.6 if backdrop is not None else 1.0
        unit = min(width, height)
        self._shapes = [
            (shape, _shape_stamp(shape, scene.palette, unit, shape_opacity))
            for shape in scene.shapes
        ]
        self._hud = _Hud(scene, width, height)

    def render(self, index: int) -> np.ndarray:
        """Frame `index` (0-based within this renderer's frames) as HxWx3 uint8 RGB."""
        progress = index / max(1, self.frames - 1)
        pan_x, pan_y = self.scene.pan
        margin_x, margin_y = self._margin
        left = round(margin_x * (1 + pan_x * (2 * progress - 1)))
        top = round(margin_y * (1 + pan_y * (2 * progress - 1)))
        if self._background is None:
            self._background = _background(
                self.scene, self.width, self.height, self._margin, self._backdrop
            )
        frame = self._background[top : top + self.height, left : left + self.width].copy()
        self.decorate(frame, index)
        return frame

    def decorate(self, frame: np.ndarray, index: int) -> None:
        """Draw the moving shapes, caption and HUD for frame `index` onto `frame` in place."""
        seconds = (self.timeline_offset + index) / self.fps
        for shape, stamp in self._shapes:
            x, y = shape.position(seconds, self.scene.speed)
            stamp.blend(frame, round(x * self.width), round(y * self.height))
        self._hud.draw(frame, self.timeline_offset + index, self.timeline_frames, self.fps)


class ColorGrade:
    """A per-channel tone curve that pulls footage toward a palette (for edits of a video).

    Shadows move toward the palette's shadow colour and highlights toward its highlight colour,
    mixed with the original at `strength`. Applied with Pillow's lookup-table `point`, which
    costs about as much as a copy.
    """

    def __init__(self, palette: Palette, strength: float = 0.55) -> None:
        table: list[int] = []
        for channel in range(3):
            low, high = palette.shadow[channel], palette.highlight[channel]
            for value in range(256):
                toned = low + (high - low) * value / 255
                table.append(round(value * (1 - strength) + toned * strength))
        self._table = table

    def apply(self, frame: np.ndarray) -> np.ndarray:
        graded = Image.fromarray(frame, "RGB").point(self._table)
        return np.array(graded)


def crossfade(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """`start` blended toward `end`; weight 0 gives `start`, 1 gives `end`."""
    amount = round(min(1.0, max(0.0, weight)) * 256)
    mixed = start.astype(np.uint16) * (256 - amount)
    mixed += end.astype(np.uint16) * amount
    mixed >>= 8
    return mixed.astype(np.uint8)


def _background(
    scene: Scene,
    width: int,
    height: int,
    margin: tuple[int, int],
    backdrop: Image.Image | None,
) -> np.ndarray:
    """The oversized backdrop that frames are panned across: a reference image or a gradient."""
    full_w, full_h = width + 2 * margin[0], height + 2 * margin[1]
    if backdrop is not None:
        return np.array(fit_cover(backdrop, full_w, full_h), dtype=np.uint8)
    xs = np.linspace(0.0, 1.0, full_w, dtype=np.float32)[None, :]
    ys = np.linspace(0.0, 1.0, full_h, dtype=np.float32)[:, None] * (full_h / full_w)
    cos, sin = math.cos(scene.gradient_angle), math.sin(scene.gradient_angle)
    along = xs * cos + ys * sin
    along = (along - along.min()) / max(float(along.max() - along.min()), 1e-6)
    palette = scene.palette
    start, end = _rgb(palette.background[0]), _rgb(palette.background[1])
    image = start + (end - start) * along[..., None]
    glow = _rgb(palette.glow)
    if scene.background is BackgroundStyle.RADIAL:
        gx, gy = scene.glow_center[0], scene.glow_center[1] * (full_h / full_w)
        distance_sq = (xs - gx) ** 2 + (ys - gy) ** 2
        weight = 0.75 * np.exp(-distance_sq / 0.12)
        image += (glow - image) * weight[..., None]
    elif scene.background is BackgroundStyle.WAVES:
        across = xs * -sin + ys * cos
        bands = 0.5 + 0.5 * np.sin(2 * np.pi * scene.wave_count * across)
        image += (glow - image) * (0.28 * bands)[..., None]
    cx, cy = 0.5, 0.5 * (full_h / full_w)
    radius_sq = ((xs - cx) ** 2 + (ys - cy) ** 2) / (cx**2 + cy**2)
    image *= (1 - 0.38 * radius_sq)[..., None]
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def _shape_stamp(shape: Shape, palette: Palette, unit: int, opacity_scale: float) -> Stamp:
    """Rasterise a shape once, antialiased, into a square stamp centred on the shape."""
    size = max(4.0, shape.size * unit)
    feather = max(1.0, shape.softness * size)
    half = math.ceil(size / 2 + feather + 1)
    coords = np.arange(-half, half + 1, dtype=np.float32)
    xs, ys = coords[None, :], coords[:, None]
    radius = size / 2
    if shape.kind is ShapeKind.BAR:
        cos, sin = math.cos(shape.angle), math.sin(shape.angle)
        along, across = xs * cos + ys * sin, -xs * sin + ys * cos
        cap = radius * shape.aspect  # a pill: distance to a segment, minus the end-cap radius
        beyond_segment = np.maximum(np.abs(along) - (radius - cap), 0)
        signed = np.sqrt(beyond_segment**2 + across**2) - cap
    else:
        distance = np.sqrt(xs**2 + ys**2)
        if shape.kind is ShapeKind.BLOB:
            theta = np.arctan2(ys, xs)
            edge = radius * (1 + 0.12 * np.sin(shape.wobble * theta + shape.angle))
            signed = distance - edge
        elif shape.kind is ShapeKind.RING:
            thickness = radius * 0.22
            signed = np.abs(distance - (radius - thickness / 2)) - thickness / 2
        else:
            signed = distance - radius
    coverage = np.clip(0.5 - signed / feather, 0.0, 1.0)
    alpha = coverage * (shape.opacity * opacity_scale * 255)
    rgba = np.empty((*alpha.shape, 4), dtype=np.uint8)
    rgba[..., :3] = palette.accents[shape.accent]
    rgba[..., 3] = np.round(alpha).astype(np.uint8)
    return Stamp(rgba, anchor=(half, half))


class _Hud:
    """The overlays every frame carries: caption, "reelgate preview" label, timecode, progress.

    Text is rendered once with Pillow's built-in font; the timecode is assembled per frame from
    pre-rendered digit stamps, and the progress bar is two slice assignments.
    """

    def __init__(self, scene: Scene, width: int, height: int) -> None:
        self.width = width
        self.height = height
        unit = min(width, height)
        self.bar_height = max(2, round(height * 0.006))
        self.bar_color = np.array(scene.palette.accents[0], dtype=np.uint8)
        caption_size = max(9, round(unit * 0.045))
        small_size = max(8, round(unit * 0.026))
        self.small_pad = max(2, small_size // 3)
        edge = max(4, round(unit * 0.03))

        self.caption = _caption_stamp(scene.caption, caption_size, round(width * 0.88))
        self.caption_at = (
            (width - self.caption.width) // 2,
            height - self.bar_height - edge - self.caption.height,
        )
        small_font = ImageFont.load_default(size=small_size)
        self.label = _text_panel_stamp(LABEL, small_font, self.small_pad, (255, 255, 255, 230))
        self.label_at = (edge, edge)

        digit_width = math.ceil(max(small_font.getlength(c) for c in "0123456789"))
        # Fixed cells (digits share the widest digit's width) keep the timecode from jittering.
        self.cell_widths = {
            char: digit_width if char.isdigit() else math.ceil(small_font.getlength(char)) + 2
            for char in _TIMECODE_GLYPHS
        }
        ascent, descent = small_font.getmetrics()
        self.glyphs = {
            char: _glyph_stamp(char, small_font, self.cell_widths[char], ascent + descent)
            for char in _TIMECODE_GLYPHS
        }
        timecode_w = digit_width * 6 + self.cell_widths[":"] * 2 + 2 * self.small_pad
        timecode_h = ascent + descent + 2 * self.small_pad
        self.timecode_panel = Stamp(_panel(timecode_w, timecode_h, self.small_pad, 130))
        self.timecode_at = (width - edge - timecode_w, edge)

    def draw(self, frame: np.ndarray, index: int, total: int, fps: int) -> None:
        self.caption.blend(frame, *self.caption_at)
        self.label.blend(frame, *self.label_at)
        self._draw_timecode(frame, index, fps)
        filled = round(self.width * (index + 1) / max(1, total))
        bar = frame[self.height - self.bar_height :]
        bar[:, :filled] = self.bar_color
        np.right_shift(bar[:, filled:], 1, out=bar[:, filled:])

    def _draw_timecode(self, frame: np.ndarray, index: int, fps: int) -> None:
        seconds, frame_in_second = divmod(index, fps)
        minutes, seconds = divmod(seconds, 60)
        text = f"{minutes % 100:02d}:{seconds:02d}:{frame_in_second % 100:02d}"
        left, top = self.timecode_at
        self.timecode_panel.blend(frame, left, top)
        glyph_left = left + self.small_pad
        for char in text:
            self.glyphs[char].blend(frame, glyph_left, top + self.small_pad)
            glyph_left += self.cell_widths[char]


def _caption_stamp(text: str, size: int, max_width: int) -> Stamp:
    font = ImageFont.load_default(size=size)
    pad = max(3, size // 2)
    lines = wrap_caption(text, font.getlength, max_width - 2 * pad)
    ascent, descent = font.getmetrics()
    line_height = ascent + descent
    text_w = math.ceil(max(font.getlength(line) for line in lines))
    rgba = _panel(text_w + 2 * pad, line_height * len(lines) + 2 * pad, pad, 150)
    image = Image.fromarray(rgba, "RGBA")
    draw = ImageDraw.Draw(image)
    shadow = max(1, size // 16)
    for number, line in enumerate(lines):
        x = pad + (text_w - font.getlength(line)) / 2
        y = pad + number * line_height
        draw.text((x + shadow, y + shadow), line, font=font, fill=(0, 0, 0, 200))
        draw.text((x, y), line, font=font, fill=(255, 255, 255, 255))
    return Stamp(np.asarray(image))


def _text_panel_stamp(
    text: str,
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont,
    pad: int,
    fill: tuple[int, int, int, int],
) -> Stamp:
    ascent, descent = font.getmetrics()
    rgba = _panel(math.ceil(font.getlength(text)) + 2 * pad, ascent + descent + 2 * pad, pad, 130)
    image = Image.fromarray(rgba, "RGBA")
    ImageDraw.Draw(image).text((pad, pad), text, font=font, fill=fill)
    return Stamp(np.asarray(image))


def _glyph_stamp(
    char: str, font: ImageFont.ImageFont | ImageFont.FreeTypeFont, width: int, height: int
) -> Stamp:
    """One timecode character: white text on transparent, centred in a fixed-width cell."""
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    x = (width - font.getlength(char)) / 2
    ImageDraw.Draw(image).text((x, 0), char, font=font, fill=(255, 255, 255, 235))
    return Stamp(np.asarray(image))


def _panel(width: int, height: int, radius: int, alpha: int) -> np.ndarray:
    """A dark translucent rounded rectangle that keeps text readable on any backdrop."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(image).rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=radius, fill=(12, 12, 16, alpha)
    )
    return np.array(image)


def _rgb(color: Color) -> np.ndarray:
    return np.array(color, dtype=np.float32)
