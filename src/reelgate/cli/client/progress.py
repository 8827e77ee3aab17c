"""A Rich progress bar driven by a job's live events (never by polling)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from reelgate.cli.client.errors import JOB_FAILED, ClientError
from reelgate.cli.client.events import follow_job
from reelgate.cli.client.http import Client

FINAL = ("completed", "failed", "cancelled")


def _stage(view: dict[str, Any]) -> str:
    if view["status"] == "in_progress":
        return view.get("phase") or "running"
    return view["status"]


def watch(client: Client, job: dict[str, Any], console: Console) -> dict[str, Any]:
    """Show the job's progress until it ends; the final view, or ClientError if it failed."""
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.fields[job]}[/] {task.description:<14}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    view = job
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(_stage(job), total=100, completed=job["progress"], job=job["id"])
        if job["status"] not in FINAL:
            for update in follow_job(client.http, job["id"]):
                if update.get("deleted"):
                    raise ClientError(f"job {job['id']} was deleted", JOB_FAILED)
                view = update
                progress.update(task, completed=view["progress"], description=_stage(view))
        if view["status"] not in FINAL:  # the stream ended without a final word: ask
            view = client.job(job["id"])
        progress.update(task, completed=view["progress"], description=_stage(view))
    if view["status"] != "completed":
        error = view.get("error") or {}
        raise ClientError(
            f"job {view['id']} {view['status']}: {error.get('message', 'no reason given')}",
            JOB_FAILED,
        )
    return view
