"""Which provider serves which model. With no routing configured, the preview engine serves all."""

from __future__ import annotations

from reelgate.providers.base import VideoProvider


class ProviderRegistry:
    def __init__(self, providers: list[VideoProvider], default: str) -> None:
        self._providers = {provider.name: provider for provider in providers}
        if default not in self._providers:
            raise ValueError(f"default provider {default!r} is not registered")
        self.default = default

    def provider_for_model(self, model: str) -> str:
        return self.default

    def get(self, name: str) -> VideoProvider:
        return self._providers[name]


def default_registry() -> ProviderRegistry:
    from reelgate.providers.preview.video import PreviewVideoProvider

    return ProviderRegistry([PreviewVideoProvider()], default="preview")
