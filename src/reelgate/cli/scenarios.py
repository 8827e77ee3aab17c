"""The test-double options of `reelgate serve` (docs/testing-your-app.md): load the scenarios
file before anything starts and stop with its file, line and problem when it does not validate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from reelgate.config import Settings
from reelgate.scenarios.rules import ScenarioFileError, load_rules

ScenariosOption = Annotated[
    Path | None,
    typer.Option(
        "--scenarios",
        help="Scenario rules file (YAML or JSON): scripted outcomes by model, prompt, key or "
        "size (env REELGATE_SCENARIOS).",
    ),
]
PaceOption = Annotated[
    str | None,
    typer.Option(
        "--pace",
        help="fast (default): jobs run at once; realistic: queued, then tens of seconds per clip "
        "(env REELGATE_PACE).",
    ),
]
RecordOption = Annotated[
    bool | None,
    typer.Option(
        "--record-requests/--no-record-requests",
        help="Keep what clients send, for GET /api/recordings (default off; env "
        "REELGATE_RECORD_REQUESTS).",
    ),
]


def pace_or_exit(value: str | None, console: Console) -> Literal["fast", "realistic"] | None:
    if value is None or value in ("fast", "realistic"):
        return value  # type: ignore[return-value]
    console.print(f"[red]error:[/] --pace must be fast or realistic, not {value!r}")
    raise typer.Exit(2)


def check_scenarios_or_exit(settings: Settings, console: Console) -> list[str]:
    """Validate the scenarios file (exit 2 naming file and line); the banner's lines."""
    lines = []
    if settings.scenarios is not None:
        try:
            rules = load_rules(settings.scenarios)
        except ScenarioFileError as exc:
            console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        lines.append(f"[bold]Scenarios[/]          {len(rules.rules)} rule(s) from {rules.path}")
    if settings.pace == "realistic":
        lines.append("[bold]Pace[/]               realistic (jobs queue, then take tens of s)")
    if settings.record_requests:
        lines.append("[bold]Recording[/]          requests, at /api/recordings")
    return lines
