"""Stable Diffusion XL (Stability AI): text-to-image, image-to-image and inpainting from the
same weights. Sides multiples of 8 (the VAE's 8x)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reelgate.providers.local.families.base import Family, ImageCall


@dataclass(frozen=True)
class SdxlFamily(Family):
    def image_kwargs(self, call: ImageCall) -> dict[str, Any]:
        kwargs = super().image_kwargs(call)
        if call.image is not None and call.mask is None:
            # SDXL's image-to-image takes its size from the image.
            del kwargs["height"], kwargs["width"]
        return kwargs


SDXL = SdxlFamily(
    name="sdxl",
    kind="image",
    pipelines=frozenset(
        {
            "StableDiffusionXLPipeline",
            "StableDiffusionXLImg2ImgPipeline",
            "StableDiffusionXLInpaintPipeline",
        }
    ),
    size_multiple=8,
    steps=30,
    guidance=5.0,
)
