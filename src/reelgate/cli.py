"""The `reelgate` command line."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console
from rich.panel import Panel

from reelgate import __version__
from reelgate.config import Settings

cli = typer.Typer(
    help="reelgate: a self-hosted video and image generation server.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def banner(settings: Settings) -> Panel:
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        f"[bold]OpenAI Videos API[/]  {base}/v1/videos",
        f"[bold]API docs[/]           {base}/api/docs",
        f"[bold]Data directory[/]     {settings.data_dir.resolve()}",
        f"[bold]Workers[/]            {settings.workers} in this process",
        "",
        "[yellow]No upstream provider is configured: every model name is served by the built-in "
        "preview engine.[/]",
        "The preview engine is a deterministic renderer (prompt-driven animated scenes encoded "
        "as real H.264 MP4), not a generative model.",
    ]
    return Panel("\n".join(lines), title=f"reelgate {__version__}", expand=False)


@cli.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on (default 127.0.0.1; env REELGATE_HOST)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default 8000; env REELGATE_PORT).")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where the SQLite database and media files live (default ./reelgate-data; "
            "env REELGATE_DATA_DIR)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="In-process job workers, 0 for API only (default 2; env REELGATE_WORKERS)."
        ),
    ] = None,
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log every request (default on; env REELGATE_ACCESS_LOG).",
        ),
    ] = None,
    log_level: Annotated[
        str, typer.Option(help="Log level: debug, info, warning, error.")
    ] = "info",
) -> None:
    """Run the HTTP server with in-process workers (SQLite + files under the data directory)."""
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "host": host,
            "port": port,
            "data_dir": data_dir,
            "workers": workers,
            "access_log": access_log,
        }.items()
        if value is not None
    }
    settings = Settings(**overrides)
    from reelgate.app import create_app

    logging.basicConfig(level=log_level.upper(), format="%(levelname)-9s %(name)s: %(message)s")

    console.print(banner(settings))
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=settings.access_log,
        log_level=log_level,
        timeout_graceful_shutdown=10,
    )


@cli.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    cli()
