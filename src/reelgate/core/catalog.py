"""The model names this server answers to, as `GET /v1/models` lists them.

With a routing file, its models (created when the file was last written); without one, the usual
names, all served by the preview engine (which answers to any name).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reelgate.core.errors import NotFound

if TYPE_CHECKING:
    from reelgate.providers.registry import ProviderRegistry


@dataclass(frozen=True)
class ListedModel:
    name: str
    kind: str  # video | image
    provider: str  # the one that serves the name first


class ModelCatalog:
    def __init__(self, registry: ProviderRegistry, started: float | None = None) -> None:
        self._registry = registry
        self._started = int(time.time() if started is None else started)

    def models(self) -> list[ListedModel]:
        return self._registry.listed_models()

    def model(self, name: str) -> ListedModel:
        for item in self.models():
            if item.name == name:
                return item
        raise NotFound(f"The model '{name}' does not exist.", param="model", code="model_not_found")

    def created(self) -> int:
        """When the routing took effect: the file's modification time (else when we started)."""
        routing = self._registry.routing
        if routing is not None:
            try:
                return int(routing.path.stat().st_mtime)
            except OSError:
                pass
        return self._started
