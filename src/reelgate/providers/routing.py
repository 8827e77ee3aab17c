"""The model routing file: which public model name is served by which upstream, and how.

A YAML file (path from `--models` or `REELGATE_MODELS`) with two maps:

- `providers`: named upstream connections (type, base URL, the NAME of the environment
  variable that holds the key, timeouts, retries, polling, concurrency);
- `models`: public model names, each with its provider, the upstream model or deployment,
  limits (seconds, sizes) and an ordered list of fallbacks.

Credentials are never in the file: it names environment variables, read at call time. A file
that does not validate stops start-up with a message naming the file, the line and the problem
(`RoutingError`). See `examples/models.yaml` for a commented example.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from reelgate.core.prices import Price
from reelgate.providers.local.config import PipelineConfig
from reelgate.providers.types import LOCAL_TYPE, PROVIDER_TYPES
from reelgate.yaml_lines import ConfigFileError, line_of, load_with_lines

PREVIEW = "preview"  # the built-in engine; always available, never declared
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SIZE = re.compile(r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")


class RoutingError(Exception):
    """A routing file that cannot be used; the message names the file, line and problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProviderConfig(_Strict):
    """One upstream connection, or (`type: diffusers`) one local model and its `pipeline`."""

    type: str  # one of PROVIDER_TYPES (providers/types.py)
    base_url: str = ""  # upstreams only: required there
    pipeline: PipelineConfig | None = None  # `type: diffusers` only: required there
    # The NAME of the environment variable holding the key (never the key itself).
    api_key_env: str | None = None
    # How the key is sent: `authorization` (Bearer), `api-key` (Azure) or `x-goog-api-key`.
    auth_header: Literal["authorization", "api-key", "x-goog-api-key"] | None = None
    api_version: str | None = None  # sent as `?api-version=` (Azure)
    concurrency: int | None = Field(default=None, ge=1)  # jobs running upstream at once
    timeout_seconds: float = Field(default=60.0, gt=0)  # every single upstream call
    max_retries: int = Field(default=4, ge=0)  # for 429, 5xx and unreachable
    retry_backoff_seconds: float = Field(default=1.0, gt=0)
    max_backoff_seconds: float = Field(default=30.0, gt=0)
    poll_interval_seconds: float = Field(default=5.0, gt=0)
    max_poll_interval_seconds: float = Field(default=30.0, gt=0)
    max_wait_seconds: float = Field(default=3600.0, gt=0)  # give up on an upstream job after

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in PROVIDER_TYPES:
            known = ", ".join(repr(name) for name in PROVIDER_TYPES)
            raise ValueError(f"unknown provider type {value!r} (known: {known})")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _local_or_upstream(self) -> ProviderConfig:
        if self.type == LOCAL_TYPE:
            if self.pipeline is None:
                raise ValueError(f"a {LOCAL_TYPE!r} provider needs a `pipeline:` block")
            if self.base_url:
                raise ValueError(f"a {LOCAL_TYPE!r} provider runs here: it takes no base_url")
        else:
            if not self.base_url:
                raise ValueError(f"a {self.type!r} provider needs a base_url")
            if self.pipeline is not None:
                raise ValueError(f"`pipeline:` is for {LOCAL_TYPE!r} providers only")
        return self

    def serves(self) -> frozenset[str]:
        """What its models may be: `video`, `image` or both."""
        if self.pipeline is not None:
            return frozenset({self.pipeline.kind})
        return frozenset({"video", "image"} if PROVIDER_TYPES[self.type].images else {"video"})

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(
                "must be the NAME of an environment variable (letters, digits, _), not a key"
            )
        return value

    def api_key(self) -> str | None:
        """The key, read from the environment now (so a rotated key needs no restart)."""
        return os.environ.get(self.api_key_env) if self.api_key_env else None


class Target(_Strict):
    """A provider and what to ask it for."""

    provider: str
    upstream_model: str | None = None  # default: the public model name
    parameters: dict[str, Any] = {}  # extra upstream parameters (e.g. Veo's negativePrompt)


class Limits(_Strict):
    min_seconds: int | None = Field(default=None, ge=1)
    max_seconds: int | None = Field(default=None, ge=1)
    sizes: tuple[str, ...] | None = None  # "WIDTHxHEIGHT" values accepted; None: any

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for size in value or ():
            if not _SIZE.match(size):
                raise ValueError(f"{size!r} is not WIDTHxHEIGHT")
        return value


class ModelRoute(Target):
    """A public model name: its provider first, then its fallbacks in order."""

    kind: Literal["video", "image"] = "video"
    limits: Limits = Limits()
    fallbacks: tuple[Target, ...] = ()
    price: Price | None = None  # for usage's estimated cost (core/prices.py)


class RoutingFile(_Strict):
    providers: dict[str, ProviderConfig] = {}
    models: dict[str, ModelRoute] = Field(min_length=1)


@dataclass(frozen=True)
class Routing:
    """A validated routing file."""

    path: Path
    providers: dict[str, ProviderConfig]
    models: dict[str, ModelRoute]

    def chain(self, model: str) -> list[Target]:
        """The targets of `model`, first choice first."""
        route = self.models[model]
        return [route, *route.fallbacks]

    def missing_keys(self) -> list[str]:
        """Environment variables named by the file that are not set (names only)."""
        return sorted(
            {
                provider.api_key_env
                for provider in self.providers.values()
                if provider.api_key_env and provider.api_key_env not in os.environ
            }
        )


def load_routing(path: Path) -> Routing:
    """Read and validate a routing file; `RoutingError` says where and what is wrong."""
    try:
        data, lines = load_with_lines(path, "the model routing file")
    except ConfigFileError as exc:
        raise RoutingError(str(exc)) from None
    if not isinstance(data, dict):
        raise RoutingError(f"{path}, line 1: expected a mapping with `providers` and `models`")
    try:
        parsed = RoutingFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = tuple(first["loc"])
        raise RoutingError(
            f"{path}, line {line_of(lines, location)}: {_dotted(location)}: {first['msg']}"
        ) from None
    _check_references(path, parsed, lines)
    return Routing(path=Path(path), providers=parsed.providers, models=parsed.models)


def _check_references(path: Path, parsed: RoutingFile, lines: dict[tuple[Any, ...], int]) -> None:
    for name in parsed.providers:
        if name == PREVIEW:
            raise RoutingError(
                f"{path}, line {line_of(lines, ('providers', name))}: providers.{name}: "
                f"'{PREVIEW}' is the built-in engine's name; choose another"
            )
    for model, route in parsed.models.items():
        seen: set[str] = set()
        for position, target in enumerate([route, *route.fallbacks]):
            where = (
                ("models", model) if position == 0 else ("models", model, "fallbacks", position - 1)
            )
            line = line_of(lines, (*where, "provider"))
            if target.provider != PREVIEW and target.provider not in parsed.providers:
                known = ", ".join(sorted([PREVIEW, *parsed.providers]))
                raise RoutingError(
                    f"{path}, line {line}: {_dotted((*where, 'provider'))}: unknown provider "
                    f"{target.provider!r} (known: {known})"
                )
            if target.provider in seen:
                raise RoutingError(
                    f"{path}, line {line}: {_dotted((*where, 'provider'))}: provider "
                    f"{target.provider!r} appears twice in the chain of {model!r}"
                )
            seen.add(target.provider)
            config = parsed.providers.get(target.provider)
            if config is not None and route.kind not in config.serves():
                _refuse_kind(path, line, where, target.provider, config, route.kind)


def _refuse_kind(
    path: str | Path,
    line: int,
    where: tuple[Any, ...],
    provider: str,
    config: ProviderConfig,
    kind: str,
) -> None:
    field = _dotted((*where, "provider"))
    if config.pipeline is not None:
        raise RoutingError(
            f"{path}, line {line}: {field}: {kind} models need a {kind} family, {provider!r} "
            f"runs {config.pipeline.family!r}, which makes {config.pipeline.kind}s"
        )
    serving = " or ".join(repr(name) for name, entry in PROVIDER_TYPES.items() if entry.images)
    raise RoutingError(
        f"{path}, line {line}: {field}: image models need an {serving} provider, "
        f"{provider!r} is {config.type!r}"
    )


def _dotted(location: tuple[Any, ...]) -> str:
    return ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in location)
