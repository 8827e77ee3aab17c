"""Which provider serves which model. With no routing configured, the preview engine serves all."""

from __future__ import annotations

from collections.abc import Sequence

from reelgate.providers.base import ImageProvider, VideoProvider


class ProviderRegistry:
    def __init__(
        self,
        providers: list[VideoProvider],
        default: str,
        *,
        image_providers: Sequence[ImageProvider] = (),
        default_image: str | None = None,
    ) -> None:
        self._providers = {provider.name: provider for provider in providers}
        if default not in self._providers:
            raise ValueError(f"default provider {default!r} is not registered")
        self.default = default
        self._image_providers = {provider.name: provider for provider in image_providers}
        if default_image is not None and default_image not in self._image_providers:
            raise ValueError(f"default image provider {default_image!r} is not registered")
        self.default_image = default_image

    def provider_for_model(self, model: str) -> str:
        return self.default

    def get(self, name: str) -> VideoProvider:
        return self._providers[name]

    def image_provider_for_model(self, model: str) -> str | None:
        """The image provider serving `model`; None when images are not served at all."""
        return self.default_image

    def get_image(self, name: str) -> ImageProvider:
        return self._image_providers[name]


def default_registry() -> ProviderRegistry:
    from reelgate.providers.preview.image import PreviewImageProvider
    from reelgate.providers.preview.video import PreviewVideoProvider

    return ProviderRegistry(
        [PreviewVideoProvider()],
        default="preview",
        image_providers=[PreviewImageProvider()],
        default_image="preview",
    )
