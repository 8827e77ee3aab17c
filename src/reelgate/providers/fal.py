"""`fal`: the fal.ai queue API, one queue in front of Kling, Hailuo, Seedance, LTX, Wan and Veo.

`POST {base}/{model_id}` (the model id with its subpath, e.g. `fal-ai/kling-video/v2/master/
text-to-video`) answers `request_id`, `status_url`, `response_url` and `cancel_url`; those URLs
use the model's owner and app only, so they are stored as given (never rebuilt) as the job's
upstream id. The status answers `IN_QUEUE` (with `queue_position`), `IN_PROGRESS`, then
`COMPLETED` (with `error` when the request failed); the result is read from the response URL,
where each model puts its video under its own field (`video.url` for most). The key goes as
`Authorization: Key ...`, and only to the configured origin, never to the media links.

Inputs are per model, so a route's `parameters` say how to map them (`upstream/inputs.py`,
docs/providers/fal.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from reelgate.core.models import AssetVariant, Phase
from reelgate.providers.base import VideoTask
from reelgate.providers.upstream.errors import (
    UpstreamProtocolError,
    UpstreamRefused,
    moderation_code,
)
from reelgate.providers.upstream.http import UpstreamClient, retry_after_seconds
from reelgate.providers.upstream.inputs import at_path, mapped_inputs
from reelgate.providers.upstream.polling import FetchedVideo, PollResult, UpstreamState
from reelgate.providers.upstream.provider import UpstreamProvider
from reelgate.providers.upstream.refs import is_url, load_ref

_QUEUE_STATES = {"IN_QUEUE": UpstreamState.QUEUED, "IN_PROGRESS": UpstreamState.RUNNING}
DEFAULT_OUTPUT = "video.url"  # where most fal video models put the video


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


class FalProvider(UpstreamProvider):
    read_error = staticmethod(fal_error)

    def auth_headers(self) -> dict[str, str]:
        """fal takes `Authorization: Key <key>` (not Bearer)."""
        headers = super().auth_headers()
        if "Authorization" in headers:
            headers["Authorization"] = "Key " + headers["Authorization"].removeprefix("Bearer ")
        return headers

    def submit(self, client: UpstreamClient, task: VideoTask) -> str:
        body, mapping = mapped_inputs(self.name, task, defaults={})
        answer = client.json("POST", task.upstream_model or "", json_body=body)
        urls = {key: answer.get(key) for key in ("status_url", "response_url", "cancel_url")}
        if not isinstance(answer.get("request_id"), str) or not all(map(is_url, urls.values())):
            raise UpstreamProtocolError(
                self.name, "the queue's answer lacks request_id, status_url, response_url or "
                "cancel_url"
            )  # fmt: skip
        output = mapping.output or DEFAULT_OUTPUT
        return json.dumps({"request_id": answer["request_id"], **urls, "output": output})

    def poll(self, client: UpstreamClient, ref: str) -> PollResult:
        request = load_ref(self.name, ref)
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
        request = load_ref(self.name, ref)
        url = at_path(result.body, request["output"])
        if not is_url(url):
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
        client.send("PUT", load_ref(self.name, ref)["cancel_url"])


def _failed(request_id: str, kind: str, message: str) -> PollResult:
    return PollResult(
        state=UpstreamState.FAILED,
        error_code=moderation_code(kind, message) or "upstream_error",
        error_message=f"request {request_id} failed: {message}",
    )
