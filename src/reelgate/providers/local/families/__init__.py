"""The pipeline families a `diffusers` provider can run, one line each: adding a family is its
module plus one line here. Modules are imported only when a routing file names their family,
since they import torch and diffusers."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from reelgate.providers.local.families.base import Family


@dataclass(frozen=True)
class FamilyEntry:
    path: str  # "module:NAME" of a `Family`
    kind: Literal["video", "image"]
    fps: int = 24  # videos: the default frame rate (repeated from the module, which needs torch)

    def load(self) -> Family:
        module, _, name = self.path.partition(":")
        family: Family = getattr(importlib.import_module(module), name)
        return family


FAMILIES: dict[str, FamilyEntry] = {
    "wan": FamilyEntry("reelgate.providers.local.families.wan:WAN", "video", fps=16),
    "ltx": FamilyEntry("reelgate.providers.local.families.ltx:LTX", "video"),
    "flux": FamilyEntry("reelgate.providers.local.families.flux:FLUX", "image"),
    "sdxl": FamilyEntry("reelgate.providers.local.families.sdxl:SDXL", "image"),
}
