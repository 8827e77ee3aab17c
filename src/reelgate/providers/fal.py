"""`fal`: the fal.ai queue API, one queue in front of Kling, Hailuo, Seedance, LTX, Wan and Veo.

`POST {base}/{model_id}` (the model id with its subpath, e.g. `fal-ai/kling-video/v2/master/
text-to-video`) answers `request_id`, `status_url`, `response_url` and `cancel_url`; those URLs
use the model's owner and app only, so they are stored as given (never rebuilt) as the job's
upstream id. The status answers `IN_QUEUE` (with `queue_position`), `IN_PROGRESS`, then
`COMPLETED` (with `error` when the request failed); the result is read from the response URL,
where each model puts its video under its own field (`video.url` for most). The key goes as
`Authorization: Key ...`, and only to the configured origin, never to the media links.

Inputs are per model, so a route's `parameters` say how to map them (docs/providers/fal.md):
`inputs` renames or drops the canonical fields, `duration_format` writes the seconds as the
model wants them, `output` is the result field holding the video URL, and every other key is
sent as an extra input.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from reelgate.core.models import AssetVariant, Operation, Phase
from reelgate.providers.base import VideoTask
from reelgate.providers.upstream.errors import (
    UnsupportedOperation,
    UpstreamProtocolError,
    UpstreamRefused,
    moderation_code,
)
from reelgate.providers.upstream.http import UpstreamClient, retry_after_seconds
from reelgate.providers.upstream.polling import FetchedVideo, PollResult, UpstreamState
from reelgate.providers.upstream.provider import UpstreamProvider

CANONICAL_INPUTS = ("prompt", "duration", "aspect_ratio", "image_url", "seed")
_QUEUE_STATES = {"IN_QUEUE": UpstreamState.QUEUED, "IN_PROGRESS": UpstreamState.RUNNING}


class FalInputs(BaseModel):
    """How one fal model takes reelgate's inputs (the route's `parameters`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    inputs: dict[str, str | None] = {}  # canonical name -> the model's field (None: not sent)
    duration_format: Literal["string", "integer", "seconds_suffix"] = "string"
    output: str = "video.url"  # dotted path of the video URL in the result (`videos.0.url`)

    @property
    def extras(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def field(self, canonical: str) -> str | None:
        return self.inputs.get(canonical, canonical)

    def duration(self, seconds: int) -> str | int:
        if self.duration_format == "integer":
            return seconds
        return f"{seconds}s" if self.duration_format == "seconds_suffix" else str(seconds)


def fal_error(response: httpx.Response) -> tuple[str | None, str]:
    """(type, message) of fal's `{"detail": ...}` errors: a string, or a list of
    `{"loc", "msg", "type"}` items as FastAPI validation errors are."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return None, response.text[:200] or response.reason_phrase
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        where = ".".join(str(part) for part in first.get("loc") or [])
        message = str(first.get("msg") or "")
        return first.get("type"), f"{where}: {message}" if where else message
    if isinstance(detail, str):
        return None, detail
    return None, response.text[:200]


def aspect_ratio(width: int, height: int) -> str:
    """The ratio fal's video models take: 16:9, 9:16 or 1:1, whichever is nearest."""
    if width == height:
        return "1:1"
    return "9:16" if height > width else "16:9"


class FalProvider(UpstreamProvider):
    read_error = staticmethod(fal_error)

    def auth_headers(self) -> dict[str, str]:
        """fal takes `Authorization: Key <key>` (not Bearer)."""
        headers = super().auth_headers()
        if "Authorization" in headers:
            headers["Authorization"] = "Key " + headers["Authorization"].removeprefix("Bearer ")
        return headers

    def submit(self, client: UpstreamClient, task: VideoTask) -> str:
        if task.operation is not Operation.GENERATE or task.inpaint:
            raise UnsupportedOperation(self.name, f"fal models cannot {task.operation} a video")
        if task.n_variants != 1:
            raise UnsupportedOperation(self.name, "fal video models make one video a request")
        mapping = self._mapping(task)
        values: dict[str, Any] = {
            "prompt": task.prompt,
            "duration": mapping.duration(task.seconds),
            "aspect_ratio": aspect_ratio(task.width, task.height),
        }
        if task.seed is not None:
            values["seed"] = task.seed
        if task.reference_image is not None:
            encoded = base64.b64encode(task.reference_image.read_bytes()).decode()
            values["image_url"] = f"data:image/png;base64,{encoded}"
        body = {
            name: values[canonical]
            for canonical in CANONICAL_INPUTS
            if canonical in values and (name := mapping.field(canonical))
        }
        body.update(mapping.extras)
        answer = client.json("POST", task.upstream_model or "", json_body=body)
        urls = {key: answer.get(key) for key in ("status_url", "response_url", "cancel_url")}
        if not isinstance(answer.get("request_id"), str) or not all(
            isinstance(url, str) and url.startswith(("http://", "https://"))
            for url in urls.values()
        ):
            raise UpstreamProtocolError(
                self.name, "the queue's answer lacks request_id, status_url, response_url or "
                "cancel_url"
            )  # fmt: skip
        return json.dumps({"request_id": answer["request_id"], **urls, "output": mapping.output})

    def poll(self, client: UpstreamClient, ref: str) -> PollResult:
        request = _ref(self.name, ref)
        response = client.send("GET", request["status_url"])
        status = client.parse(response)
        state = status.get("status")
        if state in _QUEUE_STATES:
            return PollResult(state=_QUEUE_STATES[state], wait_hint=retry_after_seconds(response))
        if state != "COMPLETED":
            raise UpstreamProtocolError(self.name, f"request {request['request_id']} is {state!r}")
        if status.get("error"):
            message = str(status["error"])
            kind = str(status.get("error_type") or "")
            return _failed(request["request_id"], kind, message)
        try:
            result = client.json("GET", request["response_url"])
        except UpstreamRefused as refused:  # a failed request answers its error here
            return _failed(request["request_id"], refused.upstream_code or "", str(refused))
        return PollResult(state=UpstreamState.SUCCEEDED, phase=Phase.PROCESSING, body=result)

    def fetch(
        self, client: UpstreamClient, ref: str, result: PollResult, task: VideoTask, workdir: Path
    ) -> list[FetchedVideo]:
        request = _ref(self.name, ref)
        url = _at_path(result.body, request["output"])
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise UpstreamProtocolError(
                self.name,
                f"the result of {request['request_id']} has no video URL at '{request['output']}'",
            )
        folder = workdir / "0"
        folder.mkdir(parents=True, exist_ok=True)
        path = client.download(url, folder / "video.mp4")
        return [FetchedVideo(index=0, files={AssetVariant.VIDEO: path})]

    def cancel(self, client: UpstreamClient, ref: str) -> None:
        """`PUT` on the cancel URL: a queued request is dropped, a running one told to stop."""
        client.send("PUT", _ref(self.name, ref)["cancel_url"])

    def _mapping(self, task: VideoTask) -> FalInputs:
        try:
            return FalInputs.model_validate(dict(task.upstream_parameters))
        except ValidationError as exc:
            raise UnsupportedOperation(
                self.name, f"the route's fal parameters are invalid: {exc.errors()[0]['msg']}"
            ) from None


def _ref(provider: str, ref: str) -> dict[str, str]:
    try:
        stored = json.loads(ref)
    except ValueError:
        raise UpstreamProtocolError(provider, "the stored fal request is not JSON") from None
    if not isinstance(stored, dict):
        raise UpstreamProtocolError(provider, "the stored fal request is not an object")
    return stored


def _failed(request_id: str, kind: str, message: str) -> PollResult:
    return PollResult(
        state=UpstreamState.FAILED,
        error_code=moderation_code(kind, message) or "upstream_error",
        error_message=f"request {request_id} failed: {message}",
    )


def _at_path(body: Any, path: str) -> Any:
    """`body` followed along a dotted path (`video.url`, `videos.0.url`)."""
    node = body
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node
