"""`openai`: any upstream that speaks OpenAI's `/v1/videos` (and `/v1/images/...`).

OpenAI itself, Azure's `/openai/v1/videos` (with `auth_header: api-key`), another gateway, or
another reelgate. Videos: create (JSON, or multipart with the reference image), poll
`GET /videos/{id}` honouring `openai-poll-after-ms` / `Retry-After`, then fetch the content, its
thumbnail and spritesheet. Images: `POST /images/generations` and `/images/edits`, asking for
base64 so nothing depends on an upstream URL afterwards.
"""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from reelgate.core.errors import ModerationRejected
from reelgate.core.models import AssetVariant, ImageFamily, ImageOperation, Operation, Phase
from reelgate.providers.base import ImageTask, PartialImageSink, RenderedImage, VideoTask
from reelgate.providers.upstream.errors import (
    UnsupportedOperation,
    UpstreamProtocolError,
    UpstreamRefused,
    moderation_code,
)
from reelgate.providers.upstream.http import UpstreamClient, retry_after_seconds
from reelgate.providers.upstream.polling import FetchedVideo, PollResult, UpstreamState
from reelgate.providers.upstream.provider import UpstreamProvider

_STATES = {
    "queued": (UpstreamState.QUEUED, Phase.PREPROCESSING),
    "in_progress": (UpstreamState.RUNNING, Phase.RUNNING),
    "completed": (UpstreamState.SUCCEEDED, Phase.PROCESSING),
    "failed": (UpstreamState.FAILED, Phase.RUNNING),
}
# Optional extras of a finished video: fetched when the upstream has them, derived otherwise.
_EXTRAS = {
    AssetVariant.THUMBNAIL: ("thumbnail", "thumbnail.webp"),
    AssetVariant.SPRITESHEET: ("spritesheet", "spritesheet.jpg"),
}
_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


class OpenAICompatProvider(UpstreamProvider):
    # -- videos --------------------------------------------------------------------------------

    def submit(self, client: UpstreamClient, task: VideoTask) -> str:
        model = task.upstream_model or "sora-2"
        if task.n_variants != 1:
            raise UnsupportedOperation(
                self.name, f"the OpenAI videos API makes one video per job, not {task.n_variants}"
            )
        if task.inpaint:
            raise UnsupportedOperation(self.name, "the OpenAI videos API has no inpaint items")
        if task.operation is Operation.REMIX:
            if task.source_upstream_ref is None:
                raise UnsupportedOperation(
                    self.name, "can only remix videos that this provider made"
                )
            body = client.json(
                "POST",
                f"videos/{task.source_upstream_ref}/remix",
                json_body={"prompt": task.prompt},
            )
            return self._video_id(body)
        if task.operation is not Operation.GENERATE:
            raise UnsupportedOperation(self.name, f"this provider cannot {task.operation} videos")
        fields: dict[str, Any] = {
            **task.upstream_parameters,
            "model": model,
            "prompt": task.prompt,
            "seconds": str(task.seconds),
            "size": f"{task.width}x{task.height}",
        }
        if task.reference_image is None:
            body = client.json("POST", "videos", json_body=fields)
        else:
            image = task.reference_image.read_bytes()
            body = client.json(
                "POST",
                "videos",
                data={key: str(value) for key, value in fields.items()},
                files={"input_reference": ("reference.png", image, "image/png")},
            )
        return self._video_id(body)

    def poll(self, client: UpstreamClient, ref: str) -> PollResult:
        response = client.send("GET", f"videos/{ref}")
        body = client.parse(response)
        status = body.get("status")
        if status not in _STATES:
            raise UpstreamProtocolError(self.name, f"video {ref} has an unknown status {status!r}")
        state, phase = _STATES[status]
        progress = body.get("progress")
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        code = error.get("code") if error else None
        return PollResult(
            state=state,
            phase=phase,
            progress=float(progress) if isinstance(progress, int | float) else None,
            wait_hint=_poll_hint(response),
            error_code=moderation_code(code, error.get("message")) or "upstream_error",
            error_message=f"{code or 'failed'}: {error.get('message') or 'no reason given'}",
            body=body,
        )

    def fetch(
        self, client: UpstreamClient, ref: str, result: PollResult, task: VideoTask, workdir: Path
    ) -> list[FetchedVideo]:
        folder = workdir / "0"
        folder.mkdir(parents=True, exist_ok=True)
        files = {AssetVariant.VIDEO: client.download(f"videos/{ref}/content", folder / "video.mp4")}
        for variant, (name, filename) in _EXTRAS.items():
            try:
                client.download(
                    f"videos/{ref}/content", folder / filename, params={"variant": name}
                )
            except UpstreamRefused:
                continue  # not every upstream has it: derived from the video instead
            if _is_image(folder / filename):
                files[variant] = folder / filename
        return [FetchedVideo(index=0, files=files)]

    def cancel(self, client: UpstreamClient, ref: str) -> None:
        client.send("DELETE", f"videos/{ref}")

    def _video_id(self, body: dict[str, Any]) -> str:
        video_id = body.get("id")
        if not isinstance(video_id, str) or not video_id:
            raise UpstreamProtocolError(self.name, "the created video has no id")
        return video_id

    # -- images --------------------------------------------------------------------------------

    def generate_images(
        self, task: ImageTask, workdir: Path, on_partial: PartialImageSink | None = None
    ) -> list[RenderedImage]:
        """Synchronous: the request waits (retries still apply). Partial images are not
        streamed from upstreams; the finished images are."""
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        with self.client(self._bounded_sleep) as client:
            try:
                body = self._image_request(client, task)
            except UpstreamRefused as exc:
                if moderation_code(exc.upstream_code, exc.detail):
                    raise ModerationRejected(f"{self.name}: {exc.detail}") from None
                raise
            data = body.get("data")
            if not isinstance(data, list) or not data:
                raise UpstreamProtocolError(self.name, "the image answer has no `data` list")
            return [
                self._save_image(client, task, index, item, workdir)
                for index, item in enumerate(data)
            ]

    def _bounded_sleep(self, seconds: float) -> None:
        """A client is waiting on the image: never wait longer than the backoff ceiling."""
        time.sleep(min(seconds, self.config.max_backoff_seconds))

    def _image_request(self, client: UpstreamClient, task: ImageTask) -> dict[str, Any]:
        if task.operation is ImageOperation.VARIATION:  # DALL-E 2: the image, no prompt
            source = task.input_images[0]
            return client.json(
                "POST",
                "images/variations",
                data={
                    "model": task.upstream_model or task.family.value,
                    "n": str(task.n),
                    "size": f"{task.width}x{task.height}",
                    "response_format": "b64_json",
                },
                files=[("image", (source.name, source.read_bytes(), "image/png"))],
            )
        fields: dict[str, Any] = {
            "model": task.upstream_model or task.family.value,
            "prompt": task.prompt,
            "n": task.n,
            "size": f"{task.width}x{task.height}",
            "quality": task.quality,
        }
        if task.family is ImageFamily.GPT_IMAGE_1:
            fields |= {
                "output_format": task.output_format,
                "background": task.background,
            }
            if task.output_format != "png":
                fields["output_compression"] = task.output_compression
        else:
            fields["response_format"] = "b64_json"
            if task.style is not None:
                fields["style"] = task.style
        if task.operation is ImageOperation.GENERATE:
            return client.json("POST", "images/generations", json_body=fields)
        files: list[tuple[str, tuple[str, bytes, str]]] = [
            (
                "image[]" if len(task.input_images) > 1 else "image",
                (p.name, p.read_bytes(), "image/png"),
            )
            for p in task.input_images
        ]
        if task.mask is not None:
            files.append(("mask", ("mask.png", task.mask.read_bytes(), "image/png")))
        return client.json(
            "POST",
            "images/edits",
            data={key: str(value) for key, value in fields.items()},
            files=files,
        )

    def _save_image(
        self, client: UpstreamClient, task: ImageTask, index: int, item: Any, workdir: Path
    ) -> RenderedImage:
        if not isinstance(item, dict):
            raise UpstreamProtocolError(self.name, f"image {index} is not an object")
        if isinstance(item.get("b64_json"), str):
            try:
                raw = base64.b64decode(item["b64_json"], validate=True)
            except ValueError:
                raise UpstreamProtocolError(self.name, f"image {index} is not base64") from None
        elif isinstance(item.get("url"), str):
            raw = client.send("GET", item["url"]).content
        else:
            raise UpstreamProtocolError(self.name, f"image {index} has neither b64_json nor url")
        try:
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                path = workdir / f"image-{index}.{task.output_format}"
                picture = image if task.output_format != "jpeg" else image.convert("RGB")
                options = (
                    {"quality": task.output_compression} if task.output_format != "png" else {}
                )
                picture.save(path, format=_PIL_FORMATS[task.output_format], **options)
                width, height = image.size
        except (OSError, ValueError):
            raise UpstreamProtocolError(self.name, f"image {index} is not a picture") from None
        return RenderedImage(
            index=index,
            width=width,
            height=height,
            path=path,
            revised_prompt=item.get("revised_prompt"),
        )


def _poll_hint(response: httpx.Response) -> float | None:
    """How long the upstream asks pollers to wait: `openai-poll-after-ms`, else `Retry-After`."""
    value = response.headers.get("openai-poll-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    return retry_after_seconds(response)


def _is_image(path: Path) -> bool:
    try:
        with Image.open(path) as image:
            image.verify()
        return True
    except (OSError, ValueError):
        return False
