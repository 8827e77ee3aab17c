"""`runway`: Runway's API (`https://api.dev.runwayml.com`), tasks polled until they settle.

`POST /v1/text_to_video`, or `/v1/image_to_video` when the job has a reference image, answers
`{"id"}`; `GET /v1/tasks/{id}` moves through `PENDING`, `THROTTLED` (queued by Runway's own
concurrency limit), `RUNNING` (with `progress`, 0 to 1), then `SUCCEEDED` (with `output`, signed
links that expire, so they are downloaded at once), `FAILED` (`failure`, `failureCode`) or
`CANCELLED`. `DELETE /v1/tasks/{id}` cancels a running task. Every request carries
`X-Runway-Version` (the connection's `api_version`, default below).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx

from reelgate.core.models import AssetVariant, Operation, Phase
from reelgate.providers.base import VideoTask
from reelgate.providers.upstream.errors import (
    UnsupportedOperation,
    UpstreamProtocolError,
    moderation_code,
)
from reelgate.providers.upstream.http import UpstreamClient, retry_after_seconds
from reelgate.providers.upstream.polling import FetchedVideo, PollResult, UpstreamState
from reelgate.providers.upstream.provider import UpstreamProvider

API_VERSION = "2024-11-06"
_WAITING = {"PENDING": UpstreamState.QUEUED, "THROTTLED": UpstreamState.QUEUED}


def runway_error(response: httpx.Response) -> tuple[str | None, str]:
    """(code, message) of Runway's `{"error": "..."}` answers (validation errors add `issues`)."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return None, response.text[:200]
    message = str(body.get("error") or body.get("message") or "")
    issues = body.get("issues")
    if isinstance(issues, list) and issues and isinstance(issues[0], dict):
        where = ".".join(str(part) for part in issues[0].get("path") or [])
        message = f"{message} ({where}: {issues[0].get('message', '')})".strip()
    return body.get("code") if isinstance(body.get("code"), str) else None, message


def failure_code(code: str, message: str) -> str:
    """The canonical error of a failed task: Runway's `SAFETY.INPUT.*` and `SAFETY.OUTPUT.*`
    codes are moderation; the rest are upstream errors."""
    upper = code.upper()
    if upper.startswith("SAFETY.INPUT"):
        return "input_moderation"
    if upper.startswith("SAFETY.OUTPUT"):
        return "output_moderation"
    return moderation_code(code, message) or "upstream_error"


class RunwayProvider(UpstreamProvider):
    read_error = staticmethod(runway_error)

    def auth_headers(self) -> dict[str, str]:
        version = self.config.api_version or API_VERSION
        return {**super().auth_headers(), "X-Runway-Version": version}

    def query_params(self) -> dict[str, str]:
        return {}  # the version goes in its header, not in the query

    def submit(self, client: UpstreamClient, task: VideoTask) -> str:
        if task.operation is not Operation.GENERATE or task.inpaint:
            raise UnsupportedOperation(self.name, f"Runway cannot {task.operation} a video here")
        if task.n_variants != 1:
            raise UnsupportedOperation(self.name, "a Runway task makes one video")
        body: dict[str, Any] = {
            "model": task.upstream_model,
            "promptText": task.prompt,
            "ratio": f"{task.width}:{task.height}",
            "duration": task.seconds,
        }
        if task.seed is not None:
            body["seed"] = task.seed
        path = "v1/text_to_video"
        if task.reference_image is not None:
            encoded = base64.b64encode(task.reference_image.read_bytes()).decode()
            body["promptImage"] = f"data:image/png;base64,{encoded}"
            path = "v1/image_to_video"
        body.update(task.upstream_parameters)
        answer = client.json("POST", path, json_body=body)
        task_id = answer.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise UpstreamProtocolError(self.name, "the task has no id")
        return task_id

    def poll(self, client: UpstreamClient, ref: str) -> PollResult:
        response = client.send("GET", f"v1/tasks/{ref}")
        body = client.parse(response)
        status = body.get("status")
        hint = retry_after_seconds(response)
        if status in _WAITING:
            return PollResult(state=_WAITING[status], wait_hint=hint)
        if status == "RUNNING":
            progress = body.get("progress")
            share = float(progress) * 100 if isinstance(progress, int | float) else None
            return PollResult(state=UpstreamState.RUNNING, progress=share, wait_hint=hint)
        if status == "SUCCEEDED":
            return PollResult(state=UpstreamState.SUCCEEDED, phase=Phase.PROCESSING, body=body)
        if status in ("FAILED", "CANCELLED"):
            code = str(body.get("failureCode") or status)
            message = str(body.get("failure") or f"the task was {status.lower()}")
            return PollResult(
                state=UpstreamState.FAILED,
                error_code=failure_code(code, message),
                error_message=f"task {ref} {status.lower()} ({code}): {message}",
            )
        raise UpstreamProtocolError(self.name, f"task {ref} has the unknown status {status!r}")

    def fetch(
        self, client: UpstreamClient, ref: str, result: PollResult, task: VideoTask, workdir: Path
    ) -> list[FetchedVideo]:
        output = result.body.get("output")
        if not isinstance(output, list) or not output or not isinstance(output[0], str):
            raise UpstreamProtocolError(self.name, f"task {ref} succeeded with no output URL")
        folder = workdir / "0"
        folder.mkdir(parents=True, exist_ok=True)
        path = client.download(output[0], folder / "video.mp4")
        return [FetchedVideo(index=0, files={AssetVariant.VIDEO: path})]

    def cancel(self, client: UpstreamClient, ref: str) -> None:
        """`DELETE /v1/tasks/{id}` cancels a running task (and deletes a finished one)."""
        client.send("DELETE", f"v1/tasks/{ref}")
