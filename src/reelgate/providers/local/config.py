"""The `pipeline:` block of a `type: diffusers` provider in the routing file: which open model,
where its weights are, and how to run it. Read without importing torch, so a routing file is
checked (and refused with its line) before anything heavy loads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from reelgate.providers.local.families import FAMILIES


class PipelineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    family: str  # one of FAMILIES: wan, ltx, flux, sdxl
    # A local directory in diffusers format, or a Hugging Face Hub repo id (fetched at
    # start-up, never at request time; HF_HUB_OFFLINE=1 allows only what is cached).
    weights: str = Field(min_length=1)
    # `auto`: bfloat16 on a GPU, float32 on the CPU (where half precision is slow or missing).
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    # `auto`: the first CUDA device if there is one, else the CPU; or cpu, cuda, cuda:1, mps.
    device: str = Field(default="auto", pattern=r"^(auto|cpu|mps|cuda(:[0-9]+)?)$")
    # `model`: whole components move to the GPU in turn; `sequential`: layer by layer (least
    # memory, slowest). Both keep the weights in CPU memory between uses.
    offload: Literal["none", "model", "sequential"] = "none"
    vae_tiling: bool = False  # decode in tiles: large sizes in less memory
    vae_slicing: bool = False  # decode one variant at a time
    steps: int | None = Field(default=None, ge=1, le=500)  # default: the family's
    guidance: float | None = Field(default=None, ge=0, le=50)  # default: the family's
    fps: int | None = Field(default=None, ge=1, le=60)  # default: the family's (Wan 16, LTX 24)
    negative_prompt: str | None = None  # used when a request gives none
    # The largest job this provider takes; bigger requests are a 400 before any job is made.
    max_width: int = Field(default=1280, ge=64, le=8192)
    max_height: int = Field(default=1280, ge=64, le=8192)
    max_frames: int = Field(default=129, ge=1, le=2000)  # videos: frames per clip

    @field_validator("family")
    @classmethod
    def _known_family(cls, value: str) -> str:
        if value not in FAMILIES:
            known = ", ".join(repr(name) for name in FAMILIES)
            raise ValueError(f"unknown pipeline family {value!r} (known: {known})")
        return value

    @property
    def kind(self) -> Literal["video", "image"]:
        return FAMILIES[self.family].kind

    def limit_problem(self, model: str, width: int, height: int, seconds: int) -> str | None:
        """Why a video request is more than this provider takes (None: it is not)."""
        if width > self.max_width or height > self.max_height:
            return f"'{model}' makes videos of at most {self.max_width}x{self.max_height}."
        fps = self.fps or FAMILIES[self.family].fps
        if seconds * fps > self.max_frames:
            longest = self.max_frames // fps
            return (
                f"'{model}' makes videos of at most {longest} seconds ({self.max_frames} frames)."
            )
        return None
