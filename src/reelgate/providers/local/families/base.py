"""What a pipeline family tells the `diffusers` provider: which saved pipelines are its own,
its size and frame rules, its defaults, and the keyword arguments of its calls.

Every family's pipelines share diffusers' calling convention (`prompt`, `height`, `width`,
`num_inference_steps`, `guidance_scale`, `generator`, `callback_on_step_end`, ...); a family
module overrides only what differs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image

Kind = Literal["video", "image"]


class FamilyMismatch(ValueError):
    """The weights cannot do what was asked (text-to-video weights given an image, ...)."""


@dataclass(frozen=True)
class VideoCall:
    """One video request, already fitted to the family's rules."""

    prompt: str
    negative_prompt: str | None
    width: int
    height: int
    frames: int
    fps: int
    steps: int
    guidance: float
    variants: int
    image: Image.Image | None  # the reference image (image-to-video), at width x height


@dataclass(frozen=True)
class ImageCall:
    """One image request, already fitted to the family's rules."""

    prompt: str
    negative_prompt: str | None
    width: int
    height: int
    steps: int
    guidance: float
    count: int
    image: Image.Image | None = None  # edits: the image to change, at width x height
    mask: Image.Image | None = None  # inpainting: white where to redraw ("L" mode)


@dataclass(frozen=True)
class Family:
    name: str
    kind: Kind
    # `_class_name`s in `model_index.json` that these weights may have.
    pipelines: frozenset[str]
    size_multiple: int  # sides are rounded up to a multiple of this, then cropped back
    steps: int  # default denoising steps
    guidance: float  # default guidance scale
    fps: int = 24  # videos: the rate the model was trained at
    frame_step: int = 1  # videos: frame counts are frame_step * k + 1
    # Pipelines that need an input image (image-to-video weights).
    image_pipelines: frozenset[str] = field(default_factory=frozenset)

    def fitted_side(self, side: int) -> int:
        return math.ceil(side / self.size_multiple) * self.size_multiple

    def fitted_frames(self, wanted: int) -> int:
        """The smallest frame count the model makes that holds `wanted` frames."""
        steps = math.ceil(max(0, wanted - 1) / self.frame_step)
        return steps * self.frame_step + 1

    # -- videos --------------------------------------------------------------------------------

    def video_pipeline(self, pipe: Any, call: VideoCall) -> Any:
        """The pipeline to call: `pipe` itself, or one sharing its components."""
        needs_image = type(pipe).__name__ in self.image_pipelines
        if needs_image and call.image is None:
            raise FamilyMismatch(
                f"these {self.name} weights are image-to-video: the request needs a reference image"
            )
        if call.image is not None and not needs_image:
            raise FamilyMismatch(
                f"these {self.name} weights are text-to-video: they cannot start from an image"
            )
        return pipe

    def video_kwargs(self, call: VideoCall) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "prompt": call.prompt,
            "height": call.height,
            "width": call.width,
            "num_frames": call.frames,
            "num_inference_steps": call.steps,
            "guidance_scale": call.guidance,
            "num_videos_per_prompt": call.variants,
        }
        if call.negative_prompt:
            kwargs["negative_prompt"] = call.negative_prompt
        if call.image is not None:
            kwargs["image"] = call.image
        return kwargs

    # -- images --------------------------------------------------------------------------------

    def image_pipeline(self, pipe: Any, call: ImageCall) -> Any:
        """Text-to-image, image-to-image or inpainting, sharing `pipe`'s loaded components."""
        if call.image is None:
            return pipe
        import diffusers

        if call.mask is not None:
            return diffusers.AutoPipelineForInpainting.from_pipe(pipe)
        return diffusers.AutoPipelineForImage2Image.from_pipe(pipe)

    def image_kwargs(self, call: ImageCall) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "prompt": call.prompt,
            "height": call.height,
            "width": call.width,
            "num_inference_steps": call.steps,
            "guidance_scale": call.guidance,
            "num_images_per_prompt": call.count,
        }
        if call.negative_prompt:
            kwargs["negative_prompt"] = call.negative_prompt
        if call.image is not None:
            kwargs["image"] = call.image
            kwargs["strength"] = 1.0 if call.mask is not None else EDIT_STRENGTH
            # Image-to-image runs int(steps * strength) steps: never none.
            kwargs["num_inference_steps"] = max(call.steps, math.ceil(1 / kwargs["strength"]))
        if call.mask is not None:
            kwargs["mask_image"] = call.mask  # the masked part is drawn anew
        return kwargs


# How far an edit without a mask departs from its input (diffusers' img2img `strength`).
EDIT_STRENGTH = 0.75
