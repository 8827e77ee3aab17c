"""Media clients send with a job (reference images, source videos, inpaint items): checked
before the job exists, so bad input is a client error and never a failed job, and kept under
`inputs/<job>/` in the blob store."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import BinaryIO

from reelgate.config import Settings
from reelgate.core.errors import InvalidRequest
from reelgate.core.media_limits import probe_source_video
from reelgate.core.models import InpaintSpec, MediaKind, VideoSpec
from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import load_image
from reelgate.media.probe import VideoInfo
from reelgate.store.blob_storage import BlobStorage

_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ClientFile:
    """Media a client sent: a readable stream, the request parameter it came in, and how error
    messages should name it (default: the parameter)."""

    stream: BinaryIO
    param: str
    label: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.param

    @property
    def shown(self) -> str:
        """How a message names it: the label as given (`file 'a.mp4'`), or the quoted param."""
        return self.label or f"'{self.param}'"


@dataclass(frozen=True)
class NewInpaintItem:
    """Client media to place into the video (validated and stored when the job is created)."""

    upload: ClientFile
    file_name: str
    kind: MediaKind
    frame_index: int
    left: float = 0.0
    top: float = 0.0
    right: float = 1.0
    bottom: float = 1.0


def input_prefix(job_id: str) -> str:
    return f"inputs/{job_id}"


def output_prefix(job_id: str) -> str:
    return f"jobs/{job_id}"


class JobInputs:
    def __init__(self, blobs: BlobStorage, settings: Settings) -> None:
        self.blobs = blobs
        self.settings = settings

    def read_limited(self, upload: ClientFile) -> bytes:
        limit = self.settings.max_upload_bytes
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise InvalidRequest(
                f"'{upload.name}' is larger than the {limit} byte upload limit.",
                param=upload.param,
                code="file_too_large",
            )
        return data

    def store_inpaint_item(
        self, job_id: str, number: int, item: NewInpaintItem, frames: int
    ) -> InpaintSpec:
        if item.frame_index >= frames:
            raise InvalidRequest(
                f"frame_index {item.frame_index} is past the video's last frame "
                f"({frames - 1} at {VideoSpec.model_fields['fps'].default} frames per second).",
                param=f"inpaint_items[{number}].frame_index",
                code="invalid_value",
            )
        name = f"inpaint-{number}"
        if item.kind is MediaKind.IMAGE:
            key = self.store_image(job_id, item.upload, name)
        else:
            key, _ = self.store_video(job_id, item.upload, name)
        return InpaintSpec(
            file_name=item.file_name,
            blob_key=key,
            kind=item.kind,
            frame_index=item.frame_index,
            left=item.left,
            top=item.top,
            right=item.right,
            bottom=item.bottom,
        )

    def store_image(self, job_id: str, upload: ClientFile, name: str) -> str:
        """Validate an uploaded image and keep it as `inputs/<job>/<name>.png`."""
        data = self.read_limited(upload)
        try:
            image = load_image(
                data,
                max_bytes=self.settings.max_upload_bytes,
                max_pixels=self.settings.max_image_pixels,
                label=upload.name,
            )
        except InvalidMediaError as exc:
            raise InvalidRequest(str(exc), param=upload.param, code="invalid_image") from exc
        staging = self.blobs.staging_dir(job_id)
        try:
            path = staging / f"{name}.png"
            image.save(path, format="PNG", compress_level=1)
            return self.blobs.put_file(f"{input_prefix(job_id)}/{name}.png", path).key
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def store_video(self, job_id: str, upload: ClientFile, name: str) -> tuple[str, VideoInfo]:
        """Copy an uploaded video into storage (bounded while copying) and probe it."""
        limit = self.settings.max_upload_bytes
        staging = self.blobs.staging_dir(job_id)
        try:
            path = staging / name
            copied = 0
            with path.open("wb") as out:
                while chunk := upload.stream.read(_COPY_CHUNK):
                    copied += len(chunk)
                    if copied > limit:
                        raise InvalidRequest(
                            f"'{upload.name}' is larger than the {limit} byte upload limit.",
                            param=upload.param,
                            code="file_too_large",
                        )
                    out.write(chunk)
            try:
                info = probe_source_video(path, self.settings, upload.shown)
            except InvalidMediaError as exc:
                raise InvalidRequest(str(exc), param=upload.param, code="invalid_video") from exc
            return self.blobs.put_file(f"{input_prefix(job_id)}/{name}", path).key, info
        finally:
            shutil.rmtree(staging, ignore_errors=True)
