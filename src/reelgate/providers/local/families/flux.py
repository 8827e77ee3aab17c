"""FLUX.1 (Black Forest Labs): text-to-image, image-to-image and inpainting from the same
weights. Sides multiples of 16 (the VAE's 8x and the 2x2 latent packing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reelgate.providers.local.families.base import Family, ImageCall


@dataclass(frozen=True)
class FluxFamily(Family):
    def image_kwargs(self, call: ImageCall) -> dict[str, Any]:
        kwargs = super().image_kwargs(call)
        if call.negative_prompt:
            # FLUX is guidance-distilled: a negative prompt acts only through true CFG.
            kwargs["true_cfg_scale"] = TRUE_CFG_SCALE
        return kwargs


TRUE_CFG_SCALE = 4.0

FLUX = FluxFamily(
    name="flux",
    kind="image",
    pipelines=frozenset({"FluxPipeline", "FluxImg2ImgPipeline", "FluxInpaintPipeline"}),
    size_multiple=16,
    steps=28,
    guidance=3.5,
)
