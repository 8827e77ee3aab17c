"""Following one job's server-sent events (`/api/jobs/{id}/events`), reconnecting with
`Last-Event-ID` when the connection drops, so no change is missed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx

from reelgate.cli.client.errors import UNREACHABLE, ClientError

RECONNECTS = 20


def parse_events(lines: Iterator[str]) -> Iterator[tuple[str, str | None, str]]:
    """(event, id, data) of each event in a `text/event-stream`, per the HTML standard."""
    event, event_id, data = "message", None, []
    for line in lines:
        if line == "":
            if data:
                yield event, event_id, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id":
            event_id = value


def follow_job(http: httpx.Client, job_id: str) -> Iterator[dict[str, Any]]:
    """Each state of the job as it changes, ending with its final one (completed, failed, or
    deleted: `{"deleted": true}`)."""
    last_id: str | None = None
    failures = 0
    while True:
        headers = {"Last-Event-ID": last_id} if last_id else {}
        try:
            with http.stream(
                "GET", f"/api/jobs/{job_id}/events", params={"heartbeat": 5}, headers=headers
            ) as response:
                if response.status_code == 204:  # resumed after the final event
                    return
                if response.status_code == 404:
                    raise ClientError(f"no job {job_id!r} on this server", 2)
                response.raise_for_status()
                for _event, event_id, data in parse_events(response.iter_lines()):
                    failures = 0
                    last_id = event_id or last_id
                    view = json.loads(data)
                    yield view
                    if view.get("deleted") or view.get("status") in (
                        "completed",
                        "failed",
                        "cancelled",
                    ):
                        return
        except httpx.TransportError as exc:
            failures += 1
            if failures > RECONNECTS:
                message = f"lost the server while following {job_id}: {exc}"
                raise ClientError(message, UNREACHABLE) from exc
            time.sleep(min(0.2 * failures, 2.0))
