"""`reelgate keys`: make, list and revoke API keys, straight in the database.

The first key closes open mode: from then on every API request needs a key. A key is printed
once, on standard output (alone, so scripts can capture it); only its hash is stored.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from reelgate.cli.options import DatabaseOption, DataDirOption, settings_with
from reelgate.store.keys import KeyStore

keys = typer.Typer(help="API keys: who may use this server, and how much.", no_args_is_help=True)
console = Console(stderr=True)


@contextmanager
def _key_store(data_dir: DataDirOption, database_url: DatabaseOption) -> Iterator[KeyStore]:
    from reelgate.store.connect import open_store
    from reelgate.store.migrate import SchemaMismatch

    settings = settings_with(data_dir=data_dir, database_url=database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        store = open_store(settings.database)
    except SchemaMismatch as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    try:
        yield KeyStore(store.engine)
    finally:
        store.close()


@keys.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who or what the key is for (shown in lists, logs).")],
    rpm: Annotated[
        int | None, typer.Option(min=1, help="Requests per minute (per API process).")
    ] = None,
    max_concurrent: Annotated[
        int | None, typer.Option(min=1, help="Video jobs queued or running at once.")
    ] = None,
    daily_seconds: Annotated[
        int | None, typer.Option(min=1, help="Seconds of video generated per UTC day.")
    ] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="Sees every key's jobs, usage and /metrics.")
    ] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Make a key and print it (once: it cannot be shown again)."""
    with _key_store(data_dir, database_url) as store:
        first = store.count() == 0
        key, secret = store.create(
            name, admin=admin, rpm=rpm, max_concurrent=max_concurrent, daily_seconds=daily_seconds
        )
    console.print(
        f"Created key [bold]{key.name}[/] ({key.id}). Keep it now: it is not shown again."
    )
    if first:
        console.print(
            "[yellow]This is the first key: open mode is over, and every API request now needs "
            "a key (running servers notice within seconds).[/]"
        )
    typer.echo(secret)


def _limit(value: int | None) -> str:
    return "-" if value is None else str(value)


@keys.command("list")
def list_keys(data_dir: DataDirOption = None, database_url: DatabaseOption = None) -> None:
    """Every key ever made (never the keys themselves)."""
    with _key_store(data_dir, database_url) as store:
        found = store.all()
    if not found:
        console.print("No keys: the server is in open mode (anyone who can reach it may use it).")
        return
    table = Table(
        "id", "name", "admin", "rpm", "max concurrent", "daily seconds", "created", "state"
    )
    for key in found:
        created = time.strftime("%Y-%m-%d %H:%M", time.gmtime(key.created_at))
        state = "active" if key.active else "revoked"
        table.add_row(
            key.id,
            key.name,
            "yes" if key.admin else "",
            _limit(key.rpm),
            _limit(key.max_concurrent),
            _limit(key.daily_seconds),
            created,
            state,
        )
    Console().print(table)


@keys.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id (key_...) or its name.")],
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Revoke a key: requests with it are refused within seconds, on every server."""
    with _key_store(data_dir, database_url) as store:
        matching = [found for found in store.find(key) if found.active]
        if len(matching) != 1:
            problem = "no active key" if not matching else f"{len(matching)} active keys"
            console.print(f"[red]error:[/] {problem} named {key!r}; use the id from `keys list`.")
            raise typer.Exit(2)
        store.revoke(matching[0].id)
    console.print(f"Revoked {matching[0].name} ({matching[0].id}).")


def access_line(keys_made: int) -> str:
    """The banner's word on who may use the server (start-up says when it is open)."""
    if keys_made == 0:
        return (
            "[yellow]open mode: no API keys, anyone who can reach this address may use it "
            "(`reelgate keys create` closes it)[/]"
        )
    return "API keys required (`reelgate keys list`)"
