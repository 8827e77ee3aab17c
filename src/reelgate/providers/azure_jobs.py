"""`azure-jobs`: Azure OpenAI's video generation jobs (v1 preview, seed 000).

Create a job (`POST /video/generations/jobs`, JSON, or multipart with the reference image and
inpaint items), poll it (`GET /video/generations/jobs/{id}`) through queued, preprocessing,
running and processing, then fetch each generation's video, its `quality=low` copy and its
thumbnail. Azure deletes jobs after 24 hours: everything is fetched as soon as it succeeds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reelgate.core.models import AssetVariant, MediaKind, Operation, Phase
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

# Azure status -> (state, phase, progress shown): Azure reports no percentage of its own.
_STATES = {
    "queued": (UpstreamState.QUEUED, Phase.PREPROCESSING, 0.0),
    "preprocessing": (UpstreamState.RUNNING, Phase.PREPROCESSING, 10.0),
    "running": (UpstreamState.RUNNING, Phase.RUNNING, 40.0),
    "processing": (UpstreamState.RUNNING, Phase.PROCESSING, 80.0),
    "succeeded": (UpstreamState.SUCCEEDED, Phase.PROCESSING, 100.0),
    "failed": (UpstreamState.FAILED, Phase.RUNNING, 0.0),
    "cancelled": (UpstreamState.FAILED, Phase.RUNNING, 0.0),
}
_MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".webp": "image/webp", ".mp4": "video/mp4"}  # fmt: skip


class AzureJobsProvider(UpstreamProvider):
    def query_params(self) -> dict[str, str]:
        return {"api-version": self.config.api_version or "preview"}

    def submit(self, client: UpstreamClient, task: VideoTask) -> str:
        if task.operation is not Operation.GENERATE:
            raise UnsupportedOperation(
                self.name, f"Azure video jobs cannot {task.operation} a video"
            )
        fields: dict[str, Any] = {
            **task.upstream_parameters,
            "model": task.upstream_model,
            "prompt": task.prompt,
            "width": task.width,
            "height": task.height,
            "n_seconds": task.seconds,
            "n_variants": task.n_variants,
        }
        uploads, items = self._media(task)
        if not uploads:
            body = client.json("POST", "video/generations/jobs", json_body=fields)
        else:
            data = {key: str(value) for key, value in fields.items()}
            data["inpaint_items"] = json.dumps(items)
            body = client.json("POST", "video/generations/jobs", data=data, files=uploads)
        job_id = body.get("id")
        if not isinstance(job_id, str) or not job_id:
            raise UpstreamProtocolError(self.name, "the created job has no id")
        return job_id

    def poll(self, client: UpstreamClient, ref: str) -> PollResult:
        response = client.send("GET", f"video/generations/jobs/{ref}")
        body = client.parse(response)
        status = body.get("status")
        if status not in _STATES:
            raise UpstreamProtocolError(self.name, f"job {ref} has an unknown status {status!r}")
        state, phase, shown = _STATES[status]
        reason = body.get("failure_reason")
        code = "cancelled" if status == "cancelled" else None
        if state is UpstreamState.FAILED and code is None:
            code = moderation_code(reason) or (
                reason if reason == "internal_error" else "upstream_error"
            )
        return PollResult(
            state=state,
            phase=phase,
            progress=shown,
            wait_hint=retry_after_seconds(response),
            error_code=code,
            error_message=f"job {ref} {status}" + (f": {reason}" if reason else ""),
            body=body,
        )

    def fetch(
        self, client: UpstreamClient, ref: str, result: PollResult, task: VideoTask, workdir: Path
    ) -> list[FetchedVideo]:
        generations = result.body.get("generations")
        if not isinstance(generations, list) or not all(
            isinstance(item, dict) and isinstance(item.get("id"), str) for item in generations
        ):
            raise UpstreamProtocolError(self.name, f"job {ref} succeeded without generations")
        fetched = []
        for index, generation in enumerate(generations):
            folder = workdir / str(index)
            folder.mkdir(parents=True, exist_ok=True)
            base = f"video/generations/{generation['id']}/content"
            files = {AssetVariant.VIDEO: client.download(f"{base}/video", folder / "video.mp4")}
            optional = {
                AssetVariant.VIDEO_LOW: (f"{base}/video", "video-low.mp4", {"quality": "low"}),
                AssetVariant.THUMBNAIL_JPEG: (f"{base}/thumbnail", "thumbnail.jpg", None),
            }
            for variant, (path, name, params) in optional.items():
                try:
                    files[variant] = client.download(path, folder / name, params=params)
                except UpstreamRefused:
                    continue  # derived from the video instead
            fetched.append(FetchedVideo(index=index, files=files))
        return fetched

    def cancel(self, client: UpstreamClient, ref: str) -> None:
        client.send("DELETE", f"video/generations/jobs/{ref}")

    def _media(self, task: VideoTask) -> tuple[list[Any], list[dict[str, Any]]]:
        """The multipart `files` and the matching `inpaint_items` (the reference image is an
        image item at frame 0, covering the whole frame)."""
        uploads: list[Any] = []
        items: list[dict[str, Any]] = []

        def add(path: Path, kind: MediaKind, frame: int, bounds: tuple[float, ...]) -> None:
            name = f"{len(uploads)}-{path.name}"
            media_type = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
            uploads.append(("files", (name, path.read_bytes(), media_type)))
            left, top, right, bottom = bounds
            items.append(
                {
                    "frame_index": frame,
                    "type": kind.value,
                    "file_name": name,
                    "crop_bounds": {
                        "left_fraction": left,
                        "top_fraction": top,
                        "right_fraction": right,
                        "bottom_fraction": bottom,
                    },
                }
            )

        if task.reference_image is not None:
            add(task.reference_image, MediaKind.IMAGE, 0, (0.0, 0.0, 1.0, 1.0))
        for layer in task.inpaint:
            add(
                layer.path,
                layer.kind,
                layer.frame_index,
                (layer.left, layer.top, layer.right, layer.bottom),
            )
        return uploads, items
