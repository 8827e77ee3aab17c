"""`replicate`: Replicate's predictions API (`https://api.replicate.com/v1`).

A route's `upstream_model` names an official model (`owner/name`: `POST /models/{owner}/{name}/
predictions`) or a version (`owner/name:version`, or the bare version id: `POST /predictions`
with `version`). The prediction answered carries `urls.get` and `urls.cancel`, stored as given
before waiting; `GET urls.get` moves through `starting`, `processing`, then `succeeded` (with
`output`: a URL, or a list of them), `failed` (`error`) or `canceled`. Inputs are mapped per
model as for fal (`upstream/inputs.py`), seconds as an integer by default.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from reelgate.core.models import AssetVariant, Phase
from reelgate.providers.base import VideoTask
from reelgate.providers.upstream.errors import UpstreamProtocolError, moderation_code
from reelgate.providers.upstream.http import UpstreamClient, retry_after_seconds
from reelgate.providers.upstream.inputs import at_path, mapped_inputs
from reelgate.providers.upstream.polling import FetchedVideo, PollResult, UpstreamState
from reelgate.providers.upstream.provider import UpstreamProvider
from reelgate.providers.upstream.refs import is_url, load_ref

_VERSION = re.compile(r"^[0-9a-f]{64}$")
_STATES = {"starting": UpstreamState.QUEUED, "processing": UpstreamState.RUNNING}
_PROGRESS = re.compile(r"(\d{1,3})%\|")  # tqdm's bars, the way models print progress to logs
# Replicate's safety checker: "The input or output was flagged as sensitive ... (E005)".
_FLAGGED = ("(e005)", "flagged as sensitive", "nsfw")


def replicate_error(response: httpx.Response) -> tuple[str | None, str]:
    """(title, detail) of Replicate's problem documents (`{"title", "detail", "status"}`)."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return None, response.text[:200]
    title = body.get("title")
    return (str(title) if title else None), str(body.get("detail") or "")


def progress_in(logs: object) -> float | None:
    """The last percentage a model printed to its logs, if any."""
    if not isinstance(logs, str):
        return None
    found = _PROGRESS.findall(logs)
    return min(100.0, float(found[-1])) if found else None


class ReplicateProvider(UpstreamProvider):
    read_error = staticmethod(replicate_error)

    def submit(self, client: UpstreamClient, task: VideoTask) -> str:
        inputs, mapping = mapped_inputs(self.name, task, defaults={"duration_format": "integer"})
        model = task.upstream_model or ""
        owner_name, _, version = model.partition(":")
        if _VERSION.match(model) or version:
            body = {"version": version or model, "input": inputs}
            answer = client.json("POST", "predictions", json_body=body)
        else:
            path = f"models/{owner_name}/predictions"
            answer = client.json("POST", path, json_body={"input": inputs})
        urls = answer.get("urls") if isinstance(answer.get("urls"), dict) else {}
        get, cancel = urls.get("get"), urls.get("cancel")
        if not isinstance(answer.get("id"), str) or not (is_url(get) and is_url(cancel)):
            raise UpstreamProtocolError(self.name, "the prediction has no id, urls.get or cancel")
        ref = {"id": answer["id"], "get": get, "cancel": cancel, "output": mapping.output or ""}
        return json.dumps(ref)

    def poll(self, client: UpstreamClient, ref: str) -> PollResult:
        stored = load_ref(self.name, ref)
        response = client.send("GET", stored["get"])
        body = client.parse(response)
        status = body.get("status")
        hint = retry_after_seconds(response)
        if status in _STATES:
            return PollResult(
                state=_STATES[status], progress=progress_in(body.get("logs")), wait_hint=hint
            )
        if status == "succeeded":
            return PollResult(state=UpstreamState.SUCCEEDED, phase=Phase.PROCESSING, body=body)
        if status in ("failed", "canceled"):
            message = str(body.get("error") or f"the prediction was {status}")
            return PollResult(
                state=UpstreamState.FAILED,
                error_code=_failure_code(message),
                error_message=f"prediction {stored['id']} {status}: {message}",
            )
        raise UpstreamProtocolError(
            self.name, f"prediction {stored['id']} has the unknown status {status!r}"
        )

    def fetch(
        self, client: UpstreamClient, ref: str, result: PollResult, task: VideoTask, workdir: Path
    ) -> list[FetchedVideo]:
        stored = load_ref(self.name, ref)
        output = at_path(result.body.get("output"), stored["output"])
        url = output[0] if isinstance(output, list) and output else output
        if not is_url(url):
            raise UpstreamProtocolError(
                self.name, f"prediction {stored['id']} succeeded with no video URL in its output"
            )
        folder = workdir / "0"
        folder.mkdir(parents=True, exist_ok=True)
        path = client.download(url, folder / "video.mp4")
        return [FetchedVideo(index=0, files={AssetVariant.VIDEO: path})]

    def cancel(self, client: UpstreamClient, ref: str) -> None:
        client.send("POST", load_ref(self.name, ref)["cancel"])


def _failure_code(message: str) -> str:
    if any(marker in message.lower() for marker in _FLAGGED):
        return "input_moderation"
    return moderation_code(message) or "upstream_error"
