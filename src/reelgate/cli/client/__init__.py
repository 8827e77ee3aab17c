"""The CLI's client commands (generate, jobs, image, usage): they talk HTTP to a reelgate server,
a running one (`--server`) or one started in this process on the embedded defaults."""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    from reelgate.cli.client import commands

    commands.register(cli)
