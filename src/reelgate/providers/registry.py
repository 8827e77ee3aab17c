"""Which provider serves which model. With no routing configured, the preview engine serves all.

With a routing file (`providers/routing.py`) the registry holds one provider per configured
connection (plus the preview engine), answers which provider serves a public model name, what
to ask it for, which provider comes next when one refuses, and how many jobs each may run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reelgate.core.catalog import ListedModel
from reelgate.core.prices import Price
from reelgate.providers.base import ImageProvider, ProviderStartError, VideoProvider
from reelgate.providers.routing import PREVIEW, Routing
from reelgate.providers.types import PROVIDER_TYPES


class UnknownModel(KeyError):
    """The routing file has no such model."""


# Listed when no routing file is configured (the preview engine answers every name anyway).
_PREVIEW_MODELS = (
    ("sora-2", "video"),
    ("sora-2-pro", "video"),
    ("gpt-image-1", "image"),
    ("dall-e-3", "image"),
    ("dall-e-2", "image"),
)


class ProviderRegistry:
    def __init__(
        self,
        providers: list[VideoProvider],
        default: str,
        *,
        image_providers: Sequence[ImageProvider] = (),
        default_image: str | None = None,
        routing: Routing | None = None,
    ) -> None:
        self._providers = {provider.name: provider for provider in providers}
        if default not in self._providers:
            raise ValueError(f"default provider {default!r} is not registered")
        self.default = default
        self._image_providers = {provider.name: provider for provider in image_providers}
        if default_image is not None and default_image not in self._image_providers:
            raise ValueError(f"default image provider {default_image!r} is not registered")
        self.default_image = default_image
        self.routing = routing

    # -- routing -------------------------------------------------------------------------------

    def provider_for_model(self, model: str) -> str:
        """The first-choice provider of a video model; `UnknownModel` when routing is
        configured and names it neither as a video model nor as `provider/model` of a
        configured provider. With no routing the preview engine serves every name."""
        if self.routing is None:
            return self.default
        route = self.routing.models.get(model)
        if route is not None and route.kind == "video":
            return route.provider
        qualified = self._qualified(model)
        if route is None and qualified is not None:
            return qualified[0]
        raise UnknownModel(model)

    def _qualified(self, model: str) -> tuple[str, str] | None:
        """(provider, upstream model) of a `provider/model` name whose provider is registered;
        the rest may hold more slashes (`replicate/owner/name`)."""
        provider, slash, upstream_model = model.partition("/")
        if slash and upstream_model and provider in self._providers:
            return provider, upstream_model
        return None

    def next_provider(self, model: str, provider: str) -> str | None:
        """The fallback after `provider` in `model`'s chain, if any."""
        if self.routing is None or model not in self.routing.models:
            return None
        names = [target.provider for target in self.routing.chain(model)]
        if provider not in names:
            return None
        position = names.index(provider)
        return names[position + 1] if position + 1 < len(names) else None

    def upstream_request(self, model: str, provider: str) -> tuple[str, Mapping[str, Any]]:
        """(upstream model or deployment, extra parameters) for `model` on `provider`."""
        if self.routing is not None and model in self.routing.models:
            for target in self.routing.chain(model):
                if target.provider == provider:
                    return target.upstream_model or model, target.parameters
        qualified = self._qualified(model)
        if qualified is not None and qualified[0] == provider:
            return qualified[1], {}
        return model, {}

    def limit_problem(self, model: str, width: int, height: int, seconds: int) -> str | None:
        """Why a request breaks `model`'s configured limits (None: it does not)."""
        if self.routing is None or model not in self.routing.models:
            return None
        limits = self.routing.models[model].limits
        if limits.max_seconds is not None and seconds > limits.max_seconds:
            return f"'{model}' makes videos of at most {limits.max_seconds} seconds."
        if limits.min_seconds is not None and seconds < limits.min_seconds:
            return f"'{model}' makes videos of at least {limits.min_seconds} seconds."
        if limits.sizes is not None and f"{width}x{height}" not in limits.sizes:
            return f"'{model}' makes videos of sizes {', '.join(limits.sizes)}."
        config = self.routing.providers.get(self.routing.models[model].provider)
        if config is not None and config.pipeline is not None:
            return config.pipeline.limit_problem(model, width, height, seconds)
        return None

    def prices(self) -> dict[str, Price]:
        """The routing file's prices, by public model name."""
        if self.routing is None:
            return {}
        return {name: route.price for name, route in self.routing.models.items() if route.price}

    def concurrency(self) -> dict[str, int]:
        """Providers with a limit on jobs running at once, and the limit."""
        if self.routing is None:
            return {}
        limits = {
            name: config.concurrency or PROVIDER_TYPES[config.type].concurrency
            for name, config in self.routing.providers.items()
            if name in self._providers or name in self._image_providers
        }
        return {name: limit for name, limit in limits.items() if limit is not None}

    def names(self) -> list[str]:
        return sorted(self._providers)

    def listed_models(self) -> list[ListedModel]:
        if self.routing is None:
            return [ListedModel(name, kind, PREVIEW) for name, kind in _PREVIEW_MODELS]
        return [
            ListedModel(name, route.kind, route.provider)
            for name, route in self.routing.models.items()
        ]

    # -- lookups -------------------------------------------------------------------------------

    def get(self, name: str) -> VideoProvider:
        return self._providers[name]

    def image_provider_for_model(self, model: str) -> str | None:
        """The image provider serving `model`; None when images are not served at all."""
        if self.routing is None:
            return self.default_image
        route = self.routing.models.get(model)
        if route is None or route.kind != "image":
            return None
        return route.provider if route.provider in self._image_providers else None

    def get_image(self, name: str) -> ImageProvider:
        return self._image_providers[name]

    def image_provider_names(self) -> list[str]:
        return sorted(self._image_providers)

    def prepare(self, names: Iterable[str]) -> None:
        """Start-up checks of the providers this process will run (those that have any, such
        as a local model's weights); `ProviderStartError` names the provider and the problem."""
        for name in sorted(set(names)):
            provider = self._providers.get(name) or self._image_providers.get(name)
            prepare = getattr(provider, "prepare", None)
            if prepare is None:
                continue
            try:
                prepare()
            except ProviderStartError as exc:
                where = f"{self.routing.path}: " if self.routing is not None else ""
                raise ProviderStartError(f"{where}providers.{name}: {exc}") from None


def default_registry() -> ProviderRegistry:
    from reelgate.providers.preview.image import PreviewImageProvider
    from reelgate.providers.preview.video import PreviewVideoProvider

    return ProviderRegistry(
        [PreviewVideoProvider()],
        default="preview",
        image_providers=[PreviewImageProvider()],
        default_image="preview",
    )


def registry_from_routing(routing: Routing | None) -> ProviderRegistry:
    """The registry for a routing file (None: the preview engine for everything)."""
    if routing is None:
        return default_registry()
    from reelgate.providers.preview.image import PreviewImageProvider
    from reelgate.providers.preview.video import PreviewVideoProvider

    video: list[VideoProvider] = [PreviewVideoProvider()]
    images: list[ImageProvider] = [PreviewImageProvider()]
    for name, config in routing.providers.items():
        provider = PROVIDER_TYPES[config.type].load()(name, config)
        if "video" in config.serves():
            video.append(provider)
        if "image" in config.serves():
            images.append(provider)
    return ProviderRegistry(
        video, default=PREVIEW, image_providers=images, default_image=PREVIEW, routing=routing
    )
