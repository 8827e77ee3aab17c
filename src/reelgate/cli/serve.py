"""`reelgate serve`: the HTTP server with in-process workers, and the banner it starts with."""

from __future__ import annotations

from typing import Annotated, Any

import typer
import uvicorn
from rich.panel import Panel

from reelgate import __version__
from reelgate.cli.keys import access_line
from reelgate.cli.models import ModelsOption, prepare_or_exit, registry_or_exit, routing_lines
from reelgate.cli.options import DatabaseOption, DataDirOption, StorageOption
from reelgate.cli.scenarios import (
    PaceOption,
    RecordOption,
    ScenariosOption,
    check_scenarios_or_exit,
    pace_or_exit,
)
from reelgate.cli.startup import configure, require_current_schema, stderr_console
from reelgate.config import Settings
from reelgate.observability.logs import uvicorn_log_config


def banner(
    settings: Settings, routing: list[str] | None = None, access: str | None = None
) -> Panel:
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        f"[bold]Web page[/]           {base}/",
        f"[bold]OpenAI API[/]         {base}/v1/videos, {base}/v1/images/...",
        f"[bold]Azure OpenAI API[/]   {base}/openai/v1/video/generations/jobs, .../images/...",
        f"[bold]Gateway API[/]        {base}/gateway/v1/videos (models as provider/model)",
        f"[bold]API docs[/]           {base}/api/docs (the OpenAPI document: {base}/openapi.json)",
        *([f"[bold]Access[/]             {access}"] if access else []),
        f"[bold]Data directory[/]     {settings.data_dir.resolve()}",
        f"[bold]Database[/]           {_database_label(settings)}",
        f"[bold]Media[/]              {settings.storage or settings.blobs_dir.resolve()}",
        f"[bold]Workers[/]            {settings.workers} in this process"
        + (" (jobs run by `reelgate worker` processes)" if settings.workers == 0 else ""),
        "",
        *(
            routing
            or [
                "[yellow]No upstream provider is configured: every model name is served by the "
                "built-in preview engine.[/]",
                "The preview engine is a deterministic renderer (prompt-driven animated scenes "
                "encoded as real H.264 MP4 and pictures), not a generative model.",
            ]
        ),
    ]
    return Panel("\n".join(lines), title=f"reelgate {__version__}", expand=False)


def _database_label(settings: Settings) -> str:
    if settings.database_url is None:
        return f"SQLite, {settings.database_path.resolve()}"
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on (default 127.0.0.1; env REELGATE_HOST)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default 8000; env REELGATE_PORT).")
    ] = None,
    data_dir: DataDirOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="In-process job workers, 0 for API only (default 2; env REELGATE_WORKERS)."
        ),
    ] = None,
    no_workers: Annotated[
        bool,
        typer.Option("--no-workers", help="Only answer HTTP; `reelgate worker` runs the jobs."),
    ] = False,
    database_url: DatabaseOption = None,
    storage: StorageOption = None,
    models: ModelsOption = None,
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
    scenarios: ScenariosOption = None,
    pace: PaceOption = None,
    record_requests: RecordOption = None,
) -> None:
    """Run the HTTP server with in-process workers (SQLite + files under the data directory)."""
    console = stderr_console()
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "host": host,
            "port": port,
            "data_dir": data_dir,
            "workers": 0 if no_workers else workers,
            "access_log": access_log,
            "database_url": database_url,
            "storage": storage,
            "models": models,
            "scenarios": scenarios,
            "pace": pace_or_exit(pace, console),
            "record_requests": record_requests,
        }.items()
        if value is not None
    }
    settings = Settings(**overrides)
    from reelgate.app import create_app

    configure(log_level, settings.log_format)
    keys_made = require_current_schema(settings)

    registry = registry_or_exit(settings, console)
    # Images are made in this process; videos too when it has workers.
    running = registry.image_provider_names() + (registry.names() if settings.workers else [])
    prepare_or_exit(registry, running, console)
    test_double = check_scenarios_or_exit(settings, console)
    routing = [*routing_lines(settings, registry), *test_double]
    console.print(banner(settings, routing, access_line(keys_made)))
    uvicorn.run(
        create_app(settings, registry),
        host=settings.host,
        port=settings.port,
        access_log=settings.access_log,
        log_level=log_level,
        log_config=uvicorn_log_config(settings.log_format),
        timeout_graceful_shutdown=10,
    )
