"""Job operations shared by every dialect: create, read, list, delete, remix, edit, extend.

No HTTP here. Dialects translate their requests into these calls and render the canonical `Job`
that comes back. Client-supplied media is validated here, before a job exists, so bad input is a
client error and never a failed job.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from reelgate.config import Settings
from reelgate.core.content_filter import ContentFilter
from reelgate.core.errors import Conflict, InvalidRequest, NotFound, NotReady
from reelgate.core.ids import new_job_id
from reelgate.core.models import (
    Asset,
    AssetVariant,
    Generation,
    InpaintSpec,
    Job,
    JobError,
    JobKind,
    JobStatus,
    MediaKind,
    Operation,
    VideoSpec,
)
from reelgate.core.webhooks import webhook_for
from reelgate.media.errors import InvalidMediaError
from reelgate.media.images import load_image
from reelgate.media.probe import VideoInfo, probe_video
from reelgate.providers.registry import ProviderRegistry, UnknownModel
from reelgate.store.blob_storage import BlobSource, BlobStorage
from reelgate.store.db import JobStore, StateFilter

SizeChooser = Callable[[int, int], tuple[int, int]]
_COPY_CHUNK = 1024 * 1024


def even_size(width: int, height: int) -> tuple[int, int]:
    """H.264 in yuv420p needs even dimensions: round odd ones down (documented behaviour)."""
    return max(2, width - width % 2), max(2, height - height % 2)


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


@dataclass(frozen=True)
class NewVideo:
    prompt: str
    model: str
    width: int
    height: int
    seconds: int
    n_variants: int = 1
    seed: int | None = None
    reference_image: ClientFile | None = None
    inpaint: tuple[NewInpaintItem, ...] = ()
    # Per-request webhook target (checked by the API): None for the configured default,
    # `core.webhooks.NO_WEBHOOK` for none.
    webhook: str | None = None


@dataclass(frozen=True)
class SourceVideo:
    """What an edit or extension starts from: a stored job, or an uploaded video file."""

    job_id: str | None = None
    upload: ClientFile | None = None


def input_prefix(job_id: str) -> str:
    return f"inputs/{job_id}"


def output_prefix(job_id: str) -> str:
    return f"jobs/{job_id}"


class JobService:
    def __init__(
        self,
        store: JobStore,
        blobs: BlobStorage,
        providers: ProviderRegistry,
        settings: Settings,
        on_queued: Callable[[], None] = lambda: None,
        on_change: Callable[[str], None] = lambda _job_id: None,
        clock: Callable[[], float] = time.time,
        content_filter: ContentFilter | None = None,
    ) -> None:
        self.store = store
        self.content_filter = content_filter or ContentFilter.from_settings(settings)
        self.blobs = blobs
        self.providers = providers
        self.settings = settings
        self._on_queued = on_queued
        self._on_change = on_change
        self._clock = clock

    # -- reads ---------------------------------------------------------------------------------

    def get(self, job_id: str, *, with_generations: bool = False) -> Job:
        job = self.store.get_job(job_id, with_generations=with_generations)
        if job is None or job.kind is not JobKind.VIDEO:
            raise NotFound(f"Video with id '{job_id}' not found.", param="video_id")
        return job

    def list(
        self,
        *,
        limit: int,
        descending: bool,
        after: str | None = None,
        before: str | None = None,
        states: Sequence[StateFilter] | None = None,
        with_generations: bool = False,
    ) -> tuple[list[Job], bool]:
        return self.store.list_jobs(
            kind=JobKind.VIDEO,
            limit=limit,
            descending=descending,
            after=after,
            before=before,
            states=states,
            with_generations=with_generations,
        )

    def content(
        self, job_id: str, variant: AssetVariant, index: int = 0
    ) -> tuple[Asset, BlobSource]:
        """The stored file of one asset of one generation, or why there is none."""
        job = self.get(job_id, with_generations=True)
        if job.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS):
            raise NotReady(
                f"Video is not ready yet: '{job_id}' is {job.status.value}. Poll the video "
                "until its status is 'completed', then download its content.",
                param="video_id",
            )
        if job.status is not JobStatus.COMPLETED:
            raise NotFound(f"Video '{job_id}' {job.status.value}; it has no content.")
        generation = next((g for g in job.generations if g.index == index), None)
        return self._stored(generation, variant, f"Video '{job_id}'")

    def generation(self, generation_id: str) -> tuple[Job, Generation]:
        """A produced output by its own id (Azure's generation id, the app API's file id)."""
        job_id = self.store.job_id_of_generation(generation_id)
        job = self.store.get_job(job_id, with_generations=True) if job_id else None
        generation = (
            next((g for g in job.generations if g.id == generation_id), None) if job else None
        )
        if job is None or generation is None:
            raise NotFound(
                f"Generation with id '{generation_id}' not found.", param="generation_id"
            )
        return job, generation

    def generation_content(
        self, generation_id: str, variant: AssetVariant
    ) -> tuple[Asset, BlobSource]:
        _, generation = self.generation(generation_id)
        return self._stored(generation, variant, f"Generation '{generation_id}'")

    def _stored(
        self, generation: Generation | None, variant: AssetVariant, owner: str
    ) -> tuple[Asset, BlobSource]:
        asset = generation.assets.get(variant) if generation else None
        if asset is None:
            raise NotFound(f"{owner} has no {variant.value} content.", param="variant")
        return asset, self.blobs.source(asset.blob_key, asset.size)

    # -- creation ------------------------------------------------------------------------------

    def create_video(self, new: NewVideo) -> Job:
        job_id = new_job_id()
        width, height = even_size(new.width, new.height)
        spec = VideoSpec(prompt=new.prompt, width=width, height=height, seconds=new.seconds)
        try:
            reference_key = None
            if new.reference_image is not None:
                reference_key = self._store_image(job_id, new.reference_image, "reference")
            inpaint = tuple(
                self._store_inpaint_item(job_id, number, item, spec.seconds * spec.fps)
                for number, item in enumerate(new.inpaint)
            )
        except BaseException:
            self.blobs.delete_prefix(input_prefix(job_id))
            raise
        spec = spec.model_copy(
            update={
                "n_variants": new.n_variants,
                "seed": new.seed,
                "reference_image_key": reference_key,
                "inpaint": inpaint,
            }
        )
        return self._enqueue(job_id, new.model, spec, webhook=new.webhook)

    def remix(self, source_id: str, prompt: str, webhook: str | None = None) -> Job:
        source = self._completed_source(source_id, "remixed")
        spec = source.spec.model_copy(
            update={
                "prompt": prompt,
                "operation": Operation.REMIX,
                "source_job_id": source.id,
                "source_video_key": None,
                "reference_image_key": None,
                "extension_seconds": None,
                "n_variants": 1,
            }
        )
        return self._enqueue(
            new_job_id(), source.model, spec, remixed_from=source.id, webhook=webhook
        )

    def edit(
        self,
        source: SourceVideo,
        prompt: str,
        model: str,
        choose_size: SizeChooser,
        webhook: str | None = None,
    ) -> Job:
        return self._derive(
            Operation.EDIT, source, prompt, model, choose_size, extra_seconds=0, webhook=webhook
        )

    def extend(
        self,
        source: SourceVideo,
        prompt: str,
        seconds: int,
        model: str,
        choose_size: SizeChooser,
        webhook: str | None = None,
    ) -> Job:
        return self._derive(
            Operation.EXTEND,
            source,
            prompt,
            model,
            choose_size,
            extra_seconds=seconds,
            webhook=webhook,
        )

    def delete(self, job_id: str) -> Job:
        job = self.get(job_id)
        self.store.delete_job(job_id)
        self.blobs.delete_prefix(output_prefix(job_id))
        self.blobs.delete_prefix(input_prefix(job_id))
        self._on_change(job_id)
        return job

    # -- helpers -------------------------------------------------------------------------------

    def _derive(
        self,
        operation: Operation,
        source: SourceVideo,
        prompt: str,
        model: str,
        choose_size: SizeChooser,
        extra_seconds: int,
        webhook: str | None = None,
    ) -> Job:
        job_id = new_job_id()
        verb = "edited" if operation is Operation.EDIT else "extended"
        if source.job_id is not None:
            stored = self._completed_source(source.job_id, verb)
            base = {
                "width": stored.spec.width,
                "height": stored.spec.height,
                "seconds": stored.spec.seconds,
                "seed": stored.spec.seed,
                "source_job_id": stored.id,
            }
            model = stored.model
        else:
            assert source.upload is not None
            key, info = self._store_video(job_id, source.upload, "source-video")
            seconds = max(1, math.ceil(info.duration - 1e-6))
            width, height = even_size(*choose_size(info.width, info.height))
            base = {"width": width, "height": height, "seconds": seconds, "source_video_key": key}
        spec = VideoSpec(
            prompt=prompt,
            operation=operation,
            extension_seconds=extra_seconds or None,
            **{**base, "seconds": base["seconds"] + extra_seconds},
        )
        return self._enqueue(job_id, model, spec, webhook=webhook)

    def _completed_source(self, source_id: str, verb: str) -> Job:
        source = self.get(source_id)
        if source.status is not JobStatus.COMPLETED:
            raise Conflict(
                f"Video '{source_id}' is {source.status.value}; only completed videos can be "
                f"{verb}.",
                param="video_id",
                code="invalid_video_state",
            )
        return source

    def _enqueue(
        self,
        job_id: str,
        model: str,
        spec: VideoSpec,
        webhook: str | None = None,
        **extra: str,
    ) -> Job:
        owner = None  # API keys (a later issue) will set the owner; webhooks already follow it
        job = Job(
            id=job_id,
            model=model,
            provider=self._route(job_id, model, spec),
            spec=spec,
            created_at=self._clock(),
            owner=owner,
            webhook=webhook_for(webhook, owner, self.settings),
            **extra,
        )
        verdict = self.content_filter.check(spec.prompt)
        if verdict.blocked:  # the job exists, already failed, as Azure reports input moderation
            job = job.model_copy(
                update={
                    "status": JobStatus.FAILED,
                    "completed_at": job.created_at,
                    "error": JobError(
                        code="input_moderation",
                        message="The prompt was blocked by the content filter "
                        f"({', '.join(verdict.reasons)}).",
                    ),
                }
            )
        try:
            self.store.insert_job(job)
        except BaseException:
            self.blobs.delete_prefix(input_prefix(job_id))
            raise
        self._on_queued()
        self._on_change(job_id)
        return job

    def _route(self, job_id: str, model: str, spec: VideoSpec) -> str:
        """The provider that takes a new job (the routing file's first choice for `model`);
        unknown models and requests beyond the model's limits are client errors (and the
        inputs already stored for the job are dropped)."""
        try:
            provider = self.providers.provider_for_model(model)
            problem = self.providers.limit_problem(model, spec.width, spec.height, spec.seconds)
        except UnknownModel:
            problem = None
            provider = None
        if provider is None or problem is not None:
            self.blobs.delete_prefix(input_prefix(job_id))
            raise InvalidRequest(
                problem or f"The model '{model}' does not exist. GET /v1/models lists the models.",
                param="model",
                code="invalid_value" if problem else "model_not_found",
            )
        return provider

    def _read_limited(self, upload: ClientFile) -> bytes:
        limit = self.settings.max_upload_bytes
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise InvalidRequest(
                f"'{upload.name}' is larger than the {limit} byte upload limit.",
                param=upload.param,
                code="file_too_large",
            )
        return data

    def _store_inpaint_item(
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
            key = self._store_image(job_id, item.upload, name)
        else:
            key, _ = self._store_video(job_id, item.upload, name)
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

    def _store_image(self, job_id: str, upload: ClientFile, name: str) -> str:
        """Validate an uploaded image and keep it as `inputs/<job>/<name>.png`."""
        data = self._read_limited(upload)
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

    def _store_video(self, job_id: str, upload: ClientFile, name: str) -> tuple[str, VideoInfo]:
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
                info = probe_video(path)
            except InvalidMediaError as exc:
                raise InvalidRequest(str(exc), param=upload.param, code="invalid_video") from exc
            if info.duration > self.settings.max_source_video_seconds:
                raise InvalidRequest(
                    f"'{upload.name}' is {info.duration:.1f} s long; the limit is "
                    f"{self.settings.max_source_video_seconds} s.",
                    param=upload.param,
                    code="invalid_video",
                )
            return self.blobs.put_file(f"{input_prefix(job_id)}/{name}", path).key, info
        finally:
            shutil.rmtree(staging, ignore_errors=True)
