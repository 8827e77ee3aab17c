"""The `--models` routing file on the command line: load it before anything starts, and stop
with the file, line and problem when it does not validate (never a traceback)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from reelgate.config import Settings
from reelgate.providers.base import ProviderStartError
from reelgate.providers.registry import ProviderRegistry, registry_from_routing
from reelgate.providers.routing import RoutingError, load_routing

log = logging.getLogger("reelgate.routing")

ModelsOption = Annotated[
    Path | None,
    typer.Option(
        "--models",
        help="Model routing file (YAML): which upstream provider serves each model name "
        "(default: the preview engine serves every name; env REELGATE_MODELS).",
    ),
]


def registry_or_exit(settings: Settings, console: Console) -> ProviderRegistry:
    """The provider registry for `settings.models`; exits with status 2 on a bad file."""
    if settings.models is None:
        return registry_from_routing(None)
    try:
        routing = load_routing(settings.models)
        for name in routing.missing_keys():  # the variable's name only, never a value
            log.warning("environment variable %s (an upstream API key) is not set", name)
        return registry_from_routing(routing)
    except RoutingError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def prepare_or_exit(registry: ProviderRegistry, names: Iterable[str], console: Console) -> None:
    """The start-up checks of the providers this process runs (a local model's weights, its
    packages); exits with status 2 and the problem, before anything is served."""
    try:
        registry.prepare(names)
    except ProviderStartError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def routing_lines(settings: Settings, registry: ProviderRegistry) -> list[str]:
    """The banner's lines about who serves the models."""
    if registry.routing is None:
        return [
            "[yellow]No upstream provider is configured: every model name is served by the "
            "built-in preview engine.[/]",
            "The preview engine is a deterministic renderer (prompt-driven animated scenes "
            "encoded as real H.264 MP4 and pictures), not a generative model.",
        ]
    models = ", ".join(f"{item.name} ({item.provider})" for item in registry.listed_models())
    return [
        f"[bold]Models[/]             {models}",
        f"[bold]Routing file[/]       {settings.models}",
    ]
