"""`reelgate worker`: jobs only, no HTTP, beside API-only replicas."""

from __future__ import annotations

from typing import Annotated

import typer

from reelgate.cli.models import ModelsOption, prepare_or_exit, registry_or_exit
from reelgate.cli.options import DatabaseOption, DataDirOption, StorageOption, settings_with
from reelgate.cli.startup import configure, fail, require_current_schema, stderr_console


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

    settings = settings_with(
        data_dir=data_dir, database_url=database_url, storage=storage, models=models
    )
    configure(log_level, settings.log_format)
    require_current_schema(settings)
    registry = registry_or_exit(settings, stderr_console())
    chosen = None
    if providers:
        chosen = {name.strip() for name in providers.split(",") if name.strip()}
        for name in sorted(chosen):
            try:
                registry.get(name)
            except KeyError:
                fail(f"unknown provider {name!r} in --providers")
    prepare_or_exit(registry, chosen or registry.names(), stderr_console())
    run_worker(settings, registry, concurrency, chosen)
