"""`reelgate generate`, `reelgate jobs ...`, `reelgate image`, `reelgate usage`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from reelgate.cli.client.embedded import embedded_server
from reelgate.cli.client.errors import REFUSED, ClientError
from reelgate.cli.client.http import Client
from reelgate.cli.client.progress import watch

err = Console(stderr=True)
out = Console(soft_wrap=True)
T = TypeVar("T")

ServerOption = Annotated[
    str | None,
    typer.Option(
        envvar="REELGATE_SERVER",
        help="URL of a running reelgate (env REELGATE_SERVER). Without it, a server is started "
        "in this process on the embedded defaults.",
    ),
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        envvar="REELGATE_API_KEY", help="API key sent to the server (env REELGATE_API_KEY)."
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(help="Data directory of the in-process server (default ./reelgate-data)."),
]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="Where to save the file.")]


@contextmanager
def connect(server: str | None, key: str | None, data_dir: Path | None) -> Iterator[Client]:
    if server:
        with Client(server, key) as client:
            yield client
        return
    with embedded_server(data_dir) as base_url, Client(base_url, key) as client:
        yield client


def run(action: Callable[[], T]) -> T:
    """Run a command's body: a ClientError becomes a red message and its exit code."""
    try:
        return action()
    except ClientError as exc:
        err.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(exc.exit_code) from None


def parse_size(size: str) -> tuple[int, int]:
    width, sep, height = size.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise ClientError(f"--size must look like 1280x720, not {size!r}", REFUSED)
    return int(width), int(height)


def variant_path(output: Path, index: int) -> Path:
    """out.mp4 for the first output, out-2.mp4, out-3.mp4 ... for further variants."""
    return output if index == 0 else output.with_name(f"{output.stem}-{index + 1}{output.suffix}")


def save_outputs(client: Client, view: dict[str, Any], output: Path, variant: str) -> None:
    generations = view.get("generations") or []
    if not generations:
        raise ClientError(f"job {view['id']} has no stored outputs", REFUSED)
    for generation in generations:
        url = generation["files"].get(variant)
        if url is None:
            raise ClientError(f"job {view['id']} has no {variant} file", REFUSED)
        target = variant_path(output, generation["index"])
        size = client.download(url, target)
        out.print(f"saved {target} ({size:,} bytes)")


def _mb(view: dict[str, Any]) -> str:
    return f"{view['size']}, {view['seconds']} s" + (
        f", {view['n_variants']} variants" if view["n_variants"] > 1 else ""
    )


# -- generate ----------------------------------------------------------------------------------


def generate(
    prompt: Annotated[str, typer.Argument(help="What the video shows.")],
    output: OutputOption = Path("out.mp4"),
    model: Annotated[str | None, typer.Option(help="Model name (server default: sora-2).")] = None,
    seconds: Annotated[int, typer.Option(min=1, max=60, help="Duration in seconds.")] = 4,
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT.")] = "1280x720",
    variants: Annotated[int, typer.Option(min=1, max=4, help="How many videos.")] = 1,
    image: Annotated[
        Path | None, typer.Option(help="A reference image (PNG, JPEG or WebP) to guide it.")
    ] = None,
    server: ServerOption = None,
    key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Make a video, show its progress live, save it (variants as out-2.mp4, ...)."""

    def body() -> None:
        width, height = parse_size(size)
        with connect(server, key, data_dir) as client:
            job = client.generate(
                prompt,
                model=model,
                seconds=seconds,
                width=width,
                height=height,
                variants=variants,
                image=image,
            )
            err.print(f"job [bold]{job['id']}[/] ({job['model']}, {_mb(job)}) on {client.base_url}")
            view = watch(client, job, err)
            save_outputs(client, view, output, "video")

    run(body)


# -- jobs --------------------------------------------------------------------------------------

jobs_app = typer.Typer(help="List, show, download, delete and remix jobs.", no_args_is_help=True)


@jobs_app.command("list")
def jobs_list(
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    server: ServerOption = None,
    key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """The newest jobs, from every API."""

    def body() -> None:
        with connect(server, key, data_dir) as client:
            views = client.jobs(limit)
        table = Table("id", "status", "progress", "model", "size", "created", "prompt")
        for view in views:
            created = time.strftime("%Y-%m-%d %H:%M", time.localtime(view["created_at"]))
            table.add_row(
                view["id"],
                view["status"],
                f"{view['progress']}%",
                view["model"],
                f"{view['size']} {view['seconds']}s",
                created,
                view["prompt"][:40],
            )
        out.print(table)

    run(body)


@jobs_app.command("show")
def jobs_show(
    job_id: str, server: ServerOption = None, key: KeyOption = None, data_dir: DataDirOption = None
) -> None:
    """Everything about one job."""

    def body() -> None:
        with connect(server, key, data_dir) as client:
            view = client.job(job_id)
        table = Table(show_header=False, box=None)
        for name in ("id", "status", "phase", "progress", "model", "provider", "prompt"):
            table.add_row(f"[bold]{name}[/]", str(view.get(name)))
        table.add_row("[bold]video[/]", _mb(view))
        if view.get("error"):
            table.add_row("[bold]error[/]", f"{view['error']['code']}: {view['error']['message']}")
        for generation in view.get("generations", []):
            for variant, url in generation["files"].items():
                table.add_row(f"[bold]{variant} {generation['index'] + 1}[/]", url)
        out.print(table)

    run(body)


@jobs_app.command("download")
def jobs_download(
    job_id: str,
    output: OutputOption = Path("out.mp4"),
    variant: Annotated[
        str, typer.Option(help="video, video_low, thumbnail, thumbnail_jpeg or spritesheet.")
    ] = "video",
    server: ServerOption = None,
    key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Save a finished job's file(s)."""

    def body() -> None:
        with connect(server, key, data_dir) as client:
            view = client.job(job_id)
            if view["status"] != "completed":
                raise ClientError(f"job {job_id} is {view['status']}, not completed", REFUSED)
            save_outputs(client, view, output, variant)

    run(body)


@jobs_app.command("delete")
def jobs_delete(
    job_id: str, server: ServerOption = None, key: KeyOption = None, data_dir: DataDirOption = None
) -> None:
    """Delete a job and its files (a running job stops)."""

    def body() -> None:
        with connect(server, key, data_dir) as client:
            client.delete(job_id)
        out.print(f"deleted {job_id}")

    run(body)


@jobs_app.command("remix")
def jobs_remix(
    job_id: str,
    prompt: str,
    output: OutputOption = Path("remix.mp4"),
    server: ServerOption = None,
    key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """A new video from a finished one with a new prompt; shows progress and saves it."""

    def body() -> None:
        with connect(server, key, data_dir) as client:
            job = client.remix(job_id, prompt)
            err.print(f"job [bold]{job['id']}[/] remixes {job_id}")
            view = watch(client, job, err)
            save_outputs(client, view, output, "video")

    run(body)


# -- image and usage ---------------------------------------------------------------------------


def image(
    prompt: Annotated[str, typer.Argument(help="What the picture shows.")],
    output: OutputOption = Path("out.png"),
    model: Annotated[str, typer.Option(help="gpt-image-1, dall-e-3, dall-e-2 ...")] = "gpt-image-1",
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT the model allows.")] = "1024x1024",
    n: Annotated[int, typer.Option(min=1, max=10, help="How many pictures.")] = 1,
    server: ServerOption = None,
    key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Make a picture and save it (more as out-2.png, ...)."""

    def body() -> None:
        with connect(server, key, data_dir) as client, err.status("drawing..."):
            pictures = client.image(prompt, model=model, size=size, n=n)
        for index, data in enumerate(pictures):
            target = variant_path(output, index)
            target.write_bytes(data)
            out.print(f"saved {target} ({len(data):,} bytes)")

    run(body)


def usage(
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
    server: ServerOption = None,
    key: KeyOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """What was generated per key, model and tier (a video's resolution, an image's size and
    quality), with estimated cost when prices are configured."""

    def body() -> None:
        with connect(server, key, data_dir) as client:
            report = client.usage(since, until)
        table = Table("key", "model", "tier", "jobs", "failures", "video s", "images", "est. cost")
        rows = [*report["data"], {"owner": "total", "model": "", "tier": "", **report["totals"]}]
        for row in rows:
            cost = row["estimated_cost"]
            table.add_row(
                row["owner"] or "(open mode)",
                row["model"],
                row.get("tier") or "",
                str(row["jobs"]),
                str(row["failures"]),
                f"{row['video_seconds']:g}",
                str(row["images"]),
                "-" if cost is None else f"${cost:,.2f}",
            )
        out.print(table)

    run(body)


def register(cli: typer.Typer) -> None:
    cli.command()(generate)
    cli.add_typer(jobs_app, name="jobs")
    cli.command()(image)
    cli.command()(usage)
