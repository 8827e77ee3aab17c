"""The `reelgate` command line: every command, registered on one Typer app."""

from __future__ import annotations

import typer

from reelgate import __version__
from reelgate.cli.client import register as register_client_commands
from reelgate.cli.client.recordings import recordings_app
from reelgate.cli.db import db
from reelgate.cli.keys import keys
from reelgate.cli.serve import serve
from reelgate.cli.worker import worker

cli = typer.Typer(
    help="reelgate: a self-hosted video and image generation server.",
    no_args_is_help=True,
    add_completion=False,
)
cli.command()(serve)
cli.command()(worker)
cli.add_typer(db, name="db")
cli.add_typer(keys, name="keys")
register_client_commands(cli)  # generate, jobs, image, usage (reelgate.cli.client)
cli.add_typer(recordings_app, name="recordings")  # what clients sent (--record-requests)


@cli.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    cli()
