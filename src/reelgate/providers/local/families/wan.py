"""Wan 2.1 / 2.2 (Wan-AI): text-to-video and, with image-to-video weights, image-to-video.
16 fps, frame counts 4k+1, sides multiples of 16 (the VAE's 8x and the 2x2 patches)."""

from __future__ import annotations

from reelgate.providers.local.families.base import Family

WAN = Family(
    name="wan",
    kind="video",
    pipelines=frozenset({"WanPipeline", "WanImageToVideoPipeline"}),
    image_pipelines=frozenset({"WanImageToVideoPipeline"}),
    size_multiple=16,
    fps=16,
    frame_step=4,
    steps=50,
    guidance=5.0,
)
