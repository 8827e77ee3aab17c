"""`reelgate db`: the database schema (migrations)."""

from __future__ import annotations

import typer

from reelgate.cli.options import DatabaseOption, DataDirOption, settings_with
from reelgate.cli.startup import stderr_console

db = typer.Typer(help="The database schema (migrations).", no_args_is_help=True)


@db.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None, database_url: DatabaseOption = None) -> None:
    """Apply every pending migration (run it before starting a new version on PostgreSQL)."""
    from reelgate.store.engine import make_engine
    from reelgate.store.migrate import current_revision, head_revision, upgrade

    settings = settings_with(data_dir=data_dir, database_url=database_url)
    engine = make_engine(settings.database)
    try:
        before = current_revision(engine)
        upgrade(engine)
        stderr_console().print(f"database schema: {before or '(empty)'} -> {head_revision()}")
    finally:
        engine.dispose()


@db.command("status")
def db_status(data_dir: DataDirOption = None, database_url: DatabaseOption = None) -> None:
    """Show the database's schema revision and the one this version needs (exit 1 if they
    differ)."""
    from reelgate.store.engine import make_engine
    from reelgate.store.migrate import current_revision, head_revision

    settings = settings_with(data_dir=data_dir, database_url=database_url)
    engine = make_engine(settings.database)
    try:
        current, head = current_revision(engine), head_revision()
    finally:
        engine.dispose()
    stderr_console().print(f"database: {current or '(empty)'}; this version needs: {head}")
    if current != head:
        raise typer.Exit(1)
