"""The built-in, offline image provider: prompt-driven pictures, not generated ones.

A picture is the video preview's scene held still: the prompt's palette and backdrop, its
shapes, the prompt as a caption and the "reelgate preview" label, deterministic for the same
request. Edits are real edits of the uploaded pixels: the input is re-graded toward the
prompt's palette, tinted by its backdrop and drawn over; with a mask only the mask's fully
transparent pixels change and every other pixel of the first input is kept exactly; several
inputs are combined side by side. Variations (DALL-E 2) are drawn the same way from the one
input, without a prompt: each output gets its own palette and shapes (its index seeds them). A
transparent background is a real alpha channel (found by rendering on black and on white and
taking the difference), and partial images are the same picture with fewer layers drawn and
less focus, ending in the final image.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageFont, ImageOps

from reelgate.core.models import ImageOperation
from reelgate.media.image_files import EXTENSIONS, encode_image
from reelgate.providers.base import ImageTask, PartialImageSink, RenderedImage
from reelgate.providers.preview.render import (
    LABEL,
    ColorGrade,
    Stamp,
    _background,
    _caption_stamp,
    _shape_stamp,
    _text_panel_stamp,
    crossfade,
)
from reelgate.providers.preview.scenes import Scene, build_scene

# Operations drawn over the client's pictures: edits, and DALL-E 2 variations (the input
# re-graded toward a palette of its own per output, with that output's shapes over it).
_FROM_INPUTS = (ImageOperation.EDIT, ImageOperation.VARIATION)
# Render scale by quality: lower quality draws fewer pixels and scales up (softer, faster).
_QUALITY_SCALE = {"low": 0.5, "medium": 0.75}
# Shapes over an edited picture stay translucent so the input remains recognisable.
_EDIT_SHAPE_OPACITY = 0.5
# How much of the prompt's backdrop shows through an edited picture: enough that the whole
# picture visibly takes the prompt's colours, little enough that the input stays recognisable.
_EDIT_BACKDROP_MIX = 0.35
# DALL-E 3 styles: vivid is more saturated and contrasted, natural more muted.
_STYLE_ENHANCE = {"vivid": (1.3, 1.08), "natural": (0.8, 0.97)}
# Background keying for transparent edits: colour distance (0..441) from the border's colour
# below which a pixel is background, and the ramp above it that softens the edge.
_KEY_DISTANCE, _KEY_RAMP = 28.0, 36.0


@dataclass(frozen=True)
class _EditInputs:
    """The uploaded pictures, fitted to the output size."""

    base: Image.Image  # RGBA: the first input, the one a mask applies to
    combined: Image.Image  # RGBA: every input side by side (the base alone when one)
    edit_area: np.ndarray | None  # bool HxW: the mask's fully transparent pixels


class PreviewImageProvider:
    name = "preview"

    def generate_images(
        self, task: ImageTask, workdir: Path, on_partial: PartialImageSink | None = None
    ) -> list[RenderedImage]:
        workdir = Path(workdir)
        inputs = _read_inputs(task) if task.operation in _FROM_INPUTS else None
        extension = EXTENSIONS[task.output_format]
        results: list[RenderedImage] = []
        for index in range(task.n):
            picture = _Picture(task, index, inputs)
            if on_partial is not None:
                for partial in range(task.partial_images):
                    stage = (partial + 1) / (task.partial_images + 1)
                    path = workdir / f"{index}-partial-{partial}.{extension}"
                    self._write(task, picture.render(stage), path)
                    on_partial(index, partial, path)
            path = workdir / f"{index}.{extension}"
            self._write(task, picture.render(1.0), path)
            results.append(
                RenderedImage(
                    index=index,
                    width=task.width,
                    height=task.height,
                    path=path,
                    revised_prompt=picture.description(),
                )
            )
        return results

    @staticmethod
    def _write(task: ImageTask, image: Image.Image, path: Path) -> None:
        if task.background == "opaque" and image.mode != "RGB":
            image = image.convert("RGB")
        encode_image(image, path, task.output_format, task.output_compression)


def image_scene_key(task: ImageTask, index: int) -> bytes:
    """SHA-256 of what identifies one picture (never a random number generator: see scenes).
    Style and quality are left out: they change how the same picture is drawn, not which. A
    variation has no prompt: its input picture's bytes take the prompt's place."""
    prompt = task.prompt
    if task.operation is ImageOperation.VARIATION and task.input_images:
        prompt = hashlib.sha256(Path(task.input_images[0]).read_bytes()).hexdigest()
    record = repr((prompt, task.width, task.height, index, task.operation.value)).encode("utf-8")
    return hashlib.sha256(b"reelgate-preview-image-v1\x00" + record).digest()


class _Picture:
    """One output image, renderable at any stage from backdrop only (0) to finished (1)."""

    def __init__(self, task: ImageTask, index: int, inputs: _EditInputs | None) -> None:
        self.task = task
        self.inputs = inputs
        key = image_scene_key(task, index)
        self.scene: Scene = build_scene(task.prompt, palette_key=key, layout_key=key)
        scale = _QUALITY_SCALE.get(task.quality, 1.0)
        self.width = max(16, round(task.width * scale))
        self.height = max(16, round(task.height * scale))
        self.transparent = task.background == "transparent"

    def description(self) -> str:
        """The prompt as drawn (DALL-E 3's `revised_prompt`): honest about what the picture is."""
        shapes = ", ".join(sorted({shape.kind.value for shape in self.scene.shapes}))
        style = f" in {self.task.style} colours" if self.task.style else ""
        return (
            f"{' '.join(self.task.prompt.split())} (reelgate preview: {len(self.scene.shapes)} "
            f"shapes ({shapes}) over a {self.scene.background.value} gradient{style})"
        )

    def render(self, stage: float) -> Image.Image:
        """RGBA at the task's size. Below stage 1 only part of the shapes are drawn, without
        caption, and the picture is out of focus in proportion to what is missing."""
        canvas = _Canvas(*self._backdrop())
        unit = min(self.width, self.height)
        opacity = _EDIT_SHAPE_OPACITY if self.inputs is not None else 1.0
        drawn = self.scene.shapes[: math.ceil(len(self.scene.shapes) * stage)]
        for shape in drawn:
            x, y = shape.position(0.0, self.scene.speed)
            stamp = _shape_stamp(shape, self.scene.palette, unit, opacity)
            canvas.blend(stamp, round(x * self.width), round(y * self.height))
        if stage >= 1.0:
            self._overlay_text(canvas, unit, caption=bool(self.task.prompt.strip()))
        image = self._styled(canvas.image())
        if stage < 1.0:
            image = image.filter(ImageFilter.GaussianBlur(unit * 0.04 * (1.0 - stage)))
        if image.size != (self.task.width, self.task.height):
            image = image.resize((self.task.width, self.task.height), Image.Resampling.BICUBIC)
        return self._keep_unmasked(image)

    def _backdrop(self) -> tuple[np.ndarray, np.ndarray | None]:
        """RGB and alpha (None: opaque) that shapes are drawn on."""
        gradient = _background(self.scene, self.width, self.height, (0, 0), None)
        if self.inputs is None:
            if self.transparent:
                return gradient, np.zeros(gradient.shape[:2], dtype=np.uint8)
            return gradient, None
        source = self.inputs.combined
        if source.size != (self.width, self.height):
            source = source.resize((self.width, self.height), Image.Resampling.BICUBIC)
        pixels = np.asarray(source)
        alpha = pixels[..., 3:4].astype(np.uint16)
        # Transparent parts of the input show the prompt's gradient, then everything is graded.
        over = (pixels[..., :3] * alpha + gradient * (255 - alpha) + 127) // 255
        graded = ColorGrade(self.scene.palette).apply(over.astype(np.uint8))
        graded = crossfade(graded, gradient, _EDIT_BACKDROP_MIX)
        if not self.transparent:
            return graded, None
        return graded, np.minimum(pixels[..., 3], _background_key(pixels[..., :3]))

    def _overlay_text(self, canvas: _Canvas, unit: int, *, caption: bool = True) -> None:
        edge = max(4, round(unit * 0.03))
        if caption:  # a variation has no prompt to show
            stamp = _caption_stamp(
                self.scene.caption, max(9, round(unit * 0.045)), round(self.width * 0.88)
            )
            canvas.blend(stamp, (self.width - stamp.width) // 2, self.height - edge - stamp.height)
        small = max(8, round(unit * 0.026))
        font = ImageFont.load_default(size=small)
        label = _text_panel_stamp(LABEL, font, max(2, small // 3), (255, 255, 255, 230))
        canvas.blend(label, edge, edge)

    def _styled(self, image: Image.Image) -> Image.Image:
        if self.task.style not in _STYLE_ENHANCE:
            return image
        color, contrast = _STYLE_ENHANCE[self.task.style]
        rgb = image.convert("RGB")
        rgb = ImageEnhance.Contrast(ImageEnhance.Color(rgb).enhance(color)).enhance(contrast)
        if image.mode == "RGBA":
            rgb.putalpha(image.getchannel("A"))
        return rgb

    def _keep_unmasked(self, image: Image.Image) -> Image.Image:
        """With a mask, every pixel outside its transparent area is the input's, exactly."""
        if self.inputs is None or self.inputs.edit_area is None:
            return image
        edited = np.asarray(image.convert("RGBA"))
        kept = np.asarray(self.inputs.base)
        area = self.inputs.edit_area[..., None]
        return Image.fromarray(np.where(area, edited, kept).astype(np.uint8), "RGBA")


class _Canvas:
    """RGB frames that stamps blend onto. A translucent canvas is kept twice, over black and
    over white: after drawing, the difference between the two is exactly how much of the
    backdrop shows through each pixel, which gives the alpha channel and the true colours."""

    def __init__(self, rgb: np.ndarray, alpha: np.ndarray | None) -> None:
        if alpha is None:
            self.frames = [np.ascontiguousarray(rgb, dtype=np.uint8)]
            return
        weight = alpha[..., None].astype(np.uint16)
        on_black = (rgb.astype(np.uint16) * weight + 127) // 255
        on_white = on_black + (255 - weight)
        self.frames = [on_black.astype(np.uint8), on_white.astype(np.uint8)]

    def blend(self, stamp: Stamp, left: int, top: int) -> None:
        for frame in self.frames:
            stamp.blend(frame, left, top)

    def image(self) -> Image.Image:
        if len(self.frames) == 1:
            return Image.fromarray(self.frames[0], "RGB")
        on_black, on_white = (frame.astype(np.int32) for frame in self.frames)
        alpha = np.clip(255 - (on_white - on_black).max(axis=2), 0, 255)
        safe = np.maximum(alpha, 1)[..., None]
        colour = np.clip((on_black * 255 + safe // 2) // safe, 0, 255)
        colour[alpha == 0] = 0
        rgba = np.dstack([colour, alpha]).astype(np.uint8)
        return Image.fromarray(rgba, "RGBA")


def _background_key(rgb: np.ndarray) -> np.ndarray:
    """Alpha that removes the picture's background: pixels close to the border's typical colour
    become transparent, with a soft edge (what "make the background transparent" can mean for
    a picture without a model)."""
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.float32)
    key = np.median(border, axis=0)
    distance = np.sqrt(((rgb.astype(np.float32) - key) ** 2).sum(axis=2))
    alpha = np.clip((distance - _KEY_DISTANCE) / _KEY_RAMP, 0.0, 1.0) * 255
    return np.round(alpha).astype(np.uint8)


def _read_inputs(task: ImageTask) -> _EditInputs:
    if not task.input_images:
        raise ValueError("an image edit needs at least one input image")
    size = (task.width, task.height)
    images = []
    for path in task.input_images:
        with Image.open(path) as opened:
            opened.load()
            images.append(opened.convert("RGBA"))
    base = _fit(images[0], size, Image.Resampling.LANCZOS)
    combined = base if len(images) == 1 else _side_by_side(images, size)
    edit_area = None
    if task.mask is not None:
        with Image.open(task.mask) as opened:
            opened.load()
            mask_alpha = opened.convert("RGBA").getchannel("A")
        edit_area = np.asarray(_fit(mask_alpha, size, Image.Resampling.NEAREST)) == 0
    return _EditInputs(base=base, combined=combined, edit_area=edit_area)


def _fit(image: Image.Image, size: tuple[int, int], method: Image.Resampling) -> Image.Image:
    """Cover `size` keeping the aspect ratio; an image already that size is used untouched."""
    if image.size == size:
        return image
    return ImageOps.fit(image, size, method=method, centering=(0.5, 0.5))


def _side_by_side(images: list[Image.Image], size: tuple[int, int]) -> Image.Image:
    """Several inputs combined into one picture: equal columns, each input covering its own."""
    width, height = size
    combined = Image.new("RGBA", size, (0, 0, 0, 0))
    edges = [round(width * k / len(images)) for k in range(len(images) + 1)]
    for image, left, right in zip(images, edges, edges[1:], strict=False):
        if right > left:
            combined.paste(_fit(image, (right - left, height), Image.Resampling.LANCZOS), (left, 0))
    return combined
