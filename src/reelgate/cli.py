"""The `reelgate` command line."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

import typer
import uvicorn
from rich.console import Console
from rich.panel import Panel

from reelgate import __version__
from reelgate.cli_client import register as register_client_commands
from reelgate.cli_client.recordings import recordings_app
from reelgate.cli_keys import access_line
from reelgate.cli_keys import keys as keys_commands
from reelgate.cli_models import ModelsOption, registry_or_exit, routing_lines
from reelgate.cli_options import DatabaseOption, DataDirOption, settings_with
from reelgate.cli_scenarios import (
    PaceOption,
    RecordOption,
    ScenariosOption,
    check_scenarios_or_exit,
    pace_or_exit,
)
from reelgate.config import Settings
from reelgate.observability.logs import configure_logging, uvicorn_log_config

cli = typer.Typer(
    help="reelgate: a self-hosted video and image generation server.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)

StorageOption = Annotated[
    str | None,
    typer.Option(
        help="s3://bucket/prefix to keep media in an S3-compatible store (endpoint from "
        "REELGATE_S3_ENDPOINT_URL or AWS_ENDPOINT_URL, credentials from the AWS environment); "
        "default: the data directory (env REELGATE_STORAGE)."
    ),
]


def banner(
    settings: Settings, routing: list[str] | None = None, access: str | None = None
) -> Panel:
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        f"[bold]Web page[/]           {base}/",
        f"[bold]OpenAI API[/]         {base}/v1/videos, {base}/v1/images/...",
        f"[bold]Azure OpenAI API[/]   {base}/openai/v1/video/generations/jobs, .../images/...",
        f"[bold]API docs[/]           {base}/api/docs",
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


@cli.command()
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

    _configure_logging(log_level, settings.log_format)
    keys_made = _require_current_schema(settings)

    registry = registry_or_exit(settings, console)
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


@cli.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at the same time.")] = 2,
    providers: Annotated[
        str | None,
        typer.Option(help="Comma-separated providers this worker runs (default: all)."),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
    storage: StorageOption = None,
    models: ModelsOption = None,
    log_level: Annotated[
        str, typer.Option(help="Log level: debug, info, warning, error.")
    ] = "info",
) -> None:
    """Run jobs only (no HTTP), beside `reelgate serve --no-workers` replicas sharing the same
    database and storage. Stops cleanly on SIGTERM: running jobs go back to the queue."""
    from reelgate.runner.process import run_worker

    settings = _settings(
        data_dir=data_dir, database_url=database_url, storage=storage, models=models
    )
    _configure_logging(log_level, settings.log_format)
    _require_current_schema(settings)
    registry = registry_or_exit(settings, console)
    chosen = None
    if providers:
        chosen = {name.strip() for name in providers.split(",") if name.strip()}
        for name in sorted(chosen):
            try:
                registry.get(name)
            except KeyError:
                _fail(f"unknown provider {name!r} in --providers")
    run_worker(settings, registry, concurrency, chosen)


db = typer.Typer(help="The database schema (migrations).", no_args_is_help=True)
cli.add_typer(db, name="db")
cli.add_typer(keys_commands, name="keys")


@db.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None, database_url: DatabaseOption = None) -> None:
    """Apply every pending migration (run it before starting a new version on PostgreSQL)."""
    from reelgate.store.engine import make_engine
    from reelgate.store.migrate import current_revision, head_revision, upgrade

    settings = _settings(data_dir=data_dir, database_url=database_url)
    engine = make_engine(settings.database)
    try:
        before = current_revision(engine)
        upgrade(engine)
        console.print(f"database schema: {before or '(empty)'} -> {head_revision()}")
    finally:
        engine.dispose()


@db.command("status")
def db_status(data_dir: DataDirOption = None, database_url: DatabaseOption = None) -> None:
    """Show the database's schema revision and the one this version needs (exit 1 if they
    differ)."""
    from reelgate.store.engine import make_engine
    from reelgate.store.migrate import current_revision, head_revision

    settings = _settings(data_dir=data_dir, database_url=database_url)
    engine = make_engine(settings.database)
    try:
        current, head = current_revision(engine), head_revision()
    finally:
        engine.dispose()
    console.print(f"database: {current or '(empty)'}; this version needs: {head}")
    if current != head:
        raise typer.Exit(1)


def _settings(**overrides: Any) -> Settings:
    return settings_with(**overrides)


def _configure_logging(level: str, log_format: str = "text") -> None:
    configure_logging(level, log_format)


def _fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/] {message}")
    raise typer.Exit(2)


def _require_current_schema(settings: Settings) -> int:
    """Refuse to start on a database with another schema, with the message saying what to run
    (instead of a traceback from deep inside start-up); the number of API keys made, for the
    banner, read while the database is open."""
    from reelgate.store.connect import open_store
    from reelgate.store.keys import KeyStore
    from reelgate.store.migrate import SchemaMismatch

    try:
        store = open_store(settings.database)
    except SchemaMismatch as exc:
        _fail(str(exc))
    except Exception as exc:  # unreachable database, bad URL
        _fail(f"cannot open the database: {exc}")
    try:
        return KeyStore(store.engine).count()
    finally:
        store.close()


register_client_commands(cli)  # generate, jobs, image, usage (reelgate.cli_client)
cli.add_typer(recordings_app, name="recordings")  # what clients sent (--record-requests)


@cli.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    cli()
