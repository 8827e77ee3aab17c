"""`veo`: Google's Veo video models through the Gemini API's long-running operations.

`POST /models/{model}:predictLongRunning` answers an operation (`{"name": ...}`) that is polled
with `GET /{name}` until `done`; a finished operation holds either `error` (a google.rpc.Status)
or `response.generateVideoResponse.generatedSamples[].video` (a `uri` to download with the same
key, or inline `bytesBase64Encoded`). Videos filtered by Google's responsible-AI checks are
counted in `raiMediaFilteredCount` with reasons in `raiMediaFilteredReasons`.
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


def veo_error(response: httpx.Response) -> tuple[str | None, str]:
    """(status word, message) of a google.rpc error envelope."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None, response.text[:200] or response.reason_phrase
    if not isinstance(error, dict):
        return None, response.text[:200]
    code = error.get("status") or error.get("code")
    return (str(code) if code is not None else None), str(error.get("message") or "")


def aspect_ratio(width: int, height: int) -> str:
    """Veo renders 16:9 or 9:16; the task's orientation picks one."""
    return "9:16" if height > width else "16:9"


def resolution(width: int, height: int) -> str:
    return "1080p" if min(width, height) >= 1080 else "720p"


class VeoProvider(UpstreamProvider):
    read_error = staticmethod(veo_error)

    def submit(self, client: UpstreamClient, task: VideoTask) -> str:
        if task.operation is not Operation.GENERATE or task.inpaint:
            raise UnsupportedOperation(self.name, f"Veo cannot {task.operation} a stored video")
        instance: dict[str, Any] = {"prompt": task.prompt}
        if task.reference_image is not None:
            instance["image"] = {
                "bytesBase64Encoded": base64.b64encode(task.reference_image.read_bytes()).decode(),
                "mimeType": "image/png",
            }
        parameters: dict[str, Any] = {
            "aspectRatio": aspect_ratio(task.width, task.height),
            "durationSeconds": task.seconds,
            "resolution": resolution(task.width, task.height),
        }
        if task.n_variants != 1:
            parameters["sampleCount"] = task.n_variants
        if task.seed is not None:
            parameters["seed"] = task.seed
        parameters.update(task.upstream_parameters)  # negativePrompt, personGeneration, ...
        body = client.json(
            "POST",
            f"models/{task.upstream_model}:predictLongRunning",
            json_body={"instances": [instance], "parameters": parameters},
        )
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise UpstreamProtocolError(self.name, "the operation has no name")
        return name

    def poll(self, client: UpstreamClient, ref: str) -> PollResult:
        response = client.send("GET", ref)
        body = client.parse(response)
        hint = retry_after_seconds(response)
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        percent = metadata.get("progressPercent") if metadata else None
        if not body.get("done"):
            return PollResult(
                state=UpstreamState.RUNNING,
                progress=float(percent) if isinstance(percent, int | float) else None,
                wait_hint=hint,
            )
        error = body.get("error")
        if isinstance(error, dict):
            message = str(error.get("message") or "no message")
            return PollResult(
                state=UpstreamState.FAILED,
                error_code=moderation_code(message) or "upstream_error",
                error_message=f"operation {ref} failed (code {error.get('code')}): {message}",
            )
        result = _video_response(self.name, ref, body)
        samples = result.get("generatedSamples") or []
        if not samples:
            filtered = result.get("raiMediaFilteredCount") or 0
            reasons = result.get("raiMediaFilteredReasons") or []
            if filtered:
                return PollResult(
                    state=UpstreamState.FAILED,
                    error_code="output_moderation",
                    error_message=f"{filtered} video(s) filtered: " + "; ".join(map(str, reasons)),
                )
            raise UpstreamProtocolError(self.name, f"operation {ref} is done with no videos")
        return PollResult(state=UpstreamState.SUCCEEDED, phase=Phase.PROCESSING, body=result)

    def fetch(
        self, client: UpstreamClient, ref: str, result: PollResult, task: VideoTask, workdir: Path
    ) -> list[FetchedVideo]:
        fetched = []
        for index, sample in enumerate(result.body["generatedSamples"]):
            video = sample.get("video") if isinstance(sample, dict) else None
            if not isinstance(video, dict):
                raise UpstreamProtocolError(self.name, f"sample {index} of {ref} has no video")
            folder = workdir / str(index)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "video.mp4"
            if isinstance(video.get("uri"), str):
                client.download(video["uri"], path)
            elif isinstance(video.get("bytesBase64Encoded"), str):
                try:
                    path.write_bytes(base64.b64decode(video["bytesBase64Encoded"], validate=True))
                except ValueError:
                    raise UpstreamProtocolError(
                        self.name, f"sample {index} of {ref} is not base64"
                    ) from None
            else:
                raise UpstreamProtocolError(self.name, f"sample {index} of {ref} has no uri")
            fetched.append(FetchedVideo(index=index, files={AssetVariant.VIDEO: path}))
        return fetched

    def cancel(self, client: UpstreamClient, ref: str) -> None:
        """The Gemini API offers no cancellation of video operations; the job just ends."""


def _video_response(provider: str, ref: str, body: dict[str, Any]) -> dict[str, Any]:
    response = body.get("response")
    result = response.get("generateVideoResponse") if isinstance(response, dict) else None
    if not isinstance(result, dict):
        raise UpstreamProtocolError(
            provider, f"operation {ref} is done without response.generateVideoResponse"
        )
    return result
