"""What the commands that start a process share: failing with a message, logging, and the
database check before anything else opens it."""

from __future__ import annotations

import sys
from typing import NoReturn, TextIO

import typer
from rich.console import Console

from reelgate.config import Settings
from reelgate.observability.logs import configure_logging

# Lines written to a file or a pipe have no terminal to fit: Rich would wrap them at 80
# columns, breaking the banner's URLs in logs. This is wide enough for every banner line.
UNWRAPPED_WIDTH = 200


def stderr_console(stream: TextIO | None = None) -> Console:
    """Rich on stderr: the terminal's width on a terminal, unwrapped lines anywhere else."""
    # Looked up at each call, never at import: test runners and embedding code swap
    # sys.stderr after this module is loaded, and a console made early writes past them.
    stream = stream or sys.stderr
    width = None if stream.isatty() else UNWRAPPED_WIDTH
    return Console(file=stream, width=width, soft_wrap=width is not None)


def fail(message: str) -> NoReturn:
    stderr_console().print(f"[red]error:[/] {message}")
    raise typer.Exit(2)


def configure(level: str, log_format: str = "text") -> None:
    configure_logging(level, log_format)


def require_current_schema(settings: Settings) -> int:
    """Refuse to start on a database with another schema, with the message saying what to run
    (instead of a traceback from deep inside start-up); the number of API keys made, for the
    banner, read while the database is open."""
    from reelgate.store.connect import open_store
    from reelgate.store.keys import KeyStore
    from reelgate.store.migrate import SchemaMismatch

    try:
        store = open_store(settings.database)
    except SchemaMismatch as exc:
        fail(str(exc))
    except Exception as exc:  # unreachable database, bad URL
        fail(f"cannot open the database: {exc}")
    try:
        return KeyStore(store.engine).count()
    finally:
        store.close()
