"""`reelgate recordings list|clear`: what clients sent to a running server that records requests
(`reelgate serve --record-requests`), for checking an app's requests from a terminal or a CI
step."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from reelgate.cli.client.commands import KeyOption, ServerOption, out, run
from reelgate.cli.client.errors import REFUSED, ClientError
from reelgate.cli.client.http import Client

recordings_app = typer.Typer(
    help="What clients sent to a server started with --record-requests.", no_args_is_help=True
)


def _server(server: str | None) -> str:
    if not server:
        raise ClientError(
            "recordings live in a running server: pass --server URL (or set REELGATE_SERVER)",
            REFUSED,
        )
    return server


def _body_summary(record: dict[str, Any]) -> str:
    body = record["body"]
    if record["body_kind"] == "multipart":
        fields = ", ".join(f"{name}={value!r}" for name, value in body["fields"].items())
        files = ", ".join(
            f"{item['field']}: {item['filename']} ({item['size']:,} bytes)"
            for item in body["files"]
        )
        return "; ".join(part for part in (fields, files) if part)
    if record["body_kind"] in ("json", "form", "text"):
        return json.dumps(body) if not isinstance(body, str) else body
    if record["body_kind"] == "binary":
        return f"({record['body_bytes']:,} bytes)"
    return ""


@recordings_app.command("list")
def recordings_list(
    for_key: Annotated[
        str | None, typer.Option(help="Only the requests of this key (name or id).")
    ] = None,
    method: Annotated[str | None, typer.Option(help="Only this method (GET, POST, ...).")] = None,
    path: Annotated[str | None, typer.Option(help="Only paths that start with this.")] = None,
    after: Annotated[int | None, typer.Option(help="Only records after this number.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object a line (every field).")
    ] = False,
    server: ServerOption = None,
    key: KeyOption = None,
) -> None:
    """The recorded requests, oldest first (your key's; an admin key sees everyone's)."""

    def body() -> None:
        params = {
            name: value
            for name, value in {
                "key": for_key,
                "method": method,
                "path": path,
                "after": after,
            }.items()
            if value is not None
        }
        with Client(_server(server), key) as client:
            records = client.request("GET", "/api/recordings", params=params).json()["data"]
        if as_json:
            for record in records:
                typer.echo(json.dumps(record))
            return
        table = Table("#", "key", "request", "status", "body")
        for record in records:
            query = f"?{record['query_string']}" if record["query_string"] else ""
            table.add_row(
                str(record["seq"]),
                record["key"],
                f"{record['method']} {record['path']}{query}",
                str(record["status"] or "-"),
                _body_summary(record)[:120],
            )
        out.print(table)

    run(body)


@recordings_app.command("clear")
def recordings_clear(server: ServerOption = None, key: KeyOption = None) -> None:
    """Forget the recorded requests (your key's; an admin key's: all)."""

    def body() -> None:
        with Client(_server(server), key) as client:
            answer = client.request("DELETE", "/api/recordings").json()
        out.print(f"deleted {answer['deleted']} recorded request(s)")

    run(body)
