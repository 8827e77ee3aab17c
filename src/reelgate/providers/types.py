"""Every provider type a routing file can name, one line each: adding a provider is its module
plus one line here. Classes are imported only when a routing file names their type, so a server
without upstreams never loads their clients."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProviderType:
    path: str  # "module:Class"; the class takes (name, ProviderConfig)
    images: bool = False  # also serves `/v1/images/...`
    concurrency: int | None = None  # jobs at once when the routing file sets none

    def load(self) -> Any:
        module, _, name = self.path.partition(":")
        return getattr(importlib.import_module(module), name)


PROVIDER_TYPES: dict[str, ProviderType] = {
    "openai": ProviderType("reelgate.providers.openai_compat:OpenAICompatProvider", images=True),
    "azure-jobs": ProviderType("reelgate.providers.azure_jobs:AzureJobsProvider"),
    "veo": ProviderType("reelgate.providers.veo:VeoProvider"),
    "fal": ProviderType("reelgate.providers.fal:FalProvider"),
    "runway": ProviderType("reelgate.providers.runway:RunwayProvider"),
    "replicate": ProviderType("reelgate.providers.replicate:ReplicateProvider"),
    # Open models on this machine; serves videos or images as its pipeline family does.
    "diffusers": ProviderType(
        "reelgate.providers.local.provider:DiffusersProvider", images=True, concurrency=1
    ),
}
LOCAL_TYPE = "diffusers"
