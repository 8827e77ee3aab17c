"""Image jobs: generations and edits, run while the request waits, kept like any other job.

No HTTP here. A request becomes a canonical job of kind `image`: the prompt passes the content
filter, input images are validated and stored, the provider draws in a staging directory, each
finished file is moved into storage, and the job is recorded completed together with one
generation per image, in one transaction. Images are synchronous, so nothing is queued and no
worker is involved: a crash before the record leaves no job, only staging leftovers that are
removed at start-up.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from reelgate.config import Settings
from reelgate.core.content import MediaSource
from reelgate.core.content_filter import ContentFilter, FilterVerdict
from reelgate.core.errors import InvalidRequest, ModerationRejected, NotFound, UpstreamFailed
from reelgate.core.idempotency import IdempotencyClaim, earlier_job_id, made_by_key_gone
from reelgate.core.ids import new_id
from reelgate.core.job_inputs import ClientFile, input_prefix, output_prefix
from reelgate.core.media_limits import over_request_budget, request_budget_message
from reelgate.core.models import (
    Asset,
    AssetVariant,
    Generation,
    ImageFamily,
    ImageOperation,
    ImageSpec,
    Job,
    JobKind,
    JobStatus,
)
from reelgate.media.errors import InvalidMediaError
from reelgate.media.image_files import (
    EXTENSIONS,
    MEDIA_TYPES,
    DecodedImage,
    has_transparency,
    load_rgba,
)
from reelgate.media.images import image_size
from reelgate.providers.base import ImageProvider, ImageTask, PartialImageSink, RenderedImage
from reelgate.providers.registry import ProviderRegistry
from reelgate.providers.upstream.errors import UpstreamError
from reelgate.store.blob_storage import BlobStorage
from reelgate.store.db import JobStore
from reelgate.store.idempotency import IdempotencyStore, KeyAlreadyClaimed


def family_of(model: str) -> ImageFamily:
    """The model family a name behaves like. Azure deployment names are free strings, so the
    name is searched: `dall-e-3`/`dalle3` anywhere is DALL-E 3, `dall-e-2`/`dalle2` is DALL-E 2,
    anything else (gpt-image-1, gpt-image-1-deployment, unknown names) is a GPT image model."""
    compact = model.lower().replace("-", "").replace("_", "").replace(".", "")
    if "dalle3" in compact:
        return ImageFamily.DALL_E_3
    if "dalle2" in compact:
        return ImageFamily.DALL_E_2
    return ImageFamily.GPT_IMAGE_1


def auto_size(width: int, height: int) -> tuple[int, int]:
    """`size=auto` for an edit: the GPT image size of the input's orientation."""
    if width > height * 1.2:
        return 1536, 1024
    if height > width * 1.2:
        return 1024, 1536
    return 1024, 1024


@dataclass(frozen=True)
class ReadImage:
    """An input image read but not decoded: its bytes and its size from the header."""

    upload: ClientFile
    data: bytes
    size: tuple[int, int]


@dataclass(frozen=True)
class NewImages:
    """An image request in canonical terms (the dialect has checked the family's rules).

    `background` may still be `auto`: for edits it depends on the input images.
    """

    prompt: str
    model: str
    family: ImageFamily
    operation: ImageOperation
    width: int
    height: int
    n: int
    quality: str
    output_format: str
    output_compression: int
    background: str  # transparent | opaque | auto
    style: str | None = None
    moderation: str = "auto"
    input_fidelity: str | None = None
    user: str | None = None
    images: tuple[ClientFile, ...] = ()
    mask: ClientFile | None = None
    partial_images: int = 0


@dataclass(frozen=True)
class PreparedImages:
    """A request that passed every check, its inputs stored: what remains is to draw it."""

    job_id: str
    new: NewImages
    spec: ImageSpec
    verdict: FilterVerdict
    created_at: float
    owner: str | None = None  # the API key that asked (None in open mode)
    idempotency: IdempotencyClaim | None = None


@dataclass(frozen=True)
class StoredImage:
    generation: Generation
    asset: Asset
    data: bytes

    @property
    def revised_prompt(self) -> str | None:
        return self.generation.revised_prompt


@dataclass(frozen=True)
class ImageResult:
    job: Job
    verdict: FilterVerdict
    images: list[StoredImage]


@dataclass(frozen=True)
class PartialImage:
    index: int
    partial_index: int
    data: bytes


PartialListener = Callable[[PartialImage], None]


def new_image_job_id() -> str:
    return new_id("image")


class ImageService:
    def __init__(
        self,
        store: JobStore,
        blobs: BlobStorage,
        providers: ProviderRegistry,
        settings: Settings,
        content_filter: ContentFilter,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.providers = providers
        self.settings = settings
        self.content_filter = content_filter
        self._clock = clock
        self.idempotency = IdempotencyStore(store.engine, settings.idempotency_window_seconds)

    def replayed(self, owner: str | None, claim: IdempotencyClaim | None) -> ImageResult | None:
        """The images an earlier request with this Idempotency-Key made, read back from storage
        (None: the key is new); raises `IdempotencyKeyReused` for a different request."""
        job_id = earlier_job_id(self.idempotency, owner, claim, self._clock())
        if job_id is None or claim is None:
            return None
        job = self.store.get_job(job_id, with_generations=True)
        if job is None or job.owner != owner or not isinstance(job.spec, ImageSpec):
            raise made_by_key_gone(claim)
        images = []
        for generation in job.generations:
            asset = generation.assets[AssetVariant.IMAGE]
            with self.blobs.local_copy(asset.blob_key) as path:
                images.append(StoredImage(generation, asset, path.read_bytes()))
        verdict = self.content_filter.check(job.spec.prompt)
        return ImageResult(job=job, verdict=verdict, images=images)

    def prepare(
        self,
        new: NewImages,
        owner: str | None = None,
        idempotency: IdempotencyClaim | None = None,
    ) -> PreparedImages:
        """Filter the prompt (raises `PromptBlocked`) and validate and store input images, so
        every client error is raised before a stream or a render starts."""
        verdict = self.content_filter.require_allowed(new.prompt, relaxed=new.moderation == "low")
        job_id = new_image_job_id()
        try:
            keys, mask_key, first_has_alpha, first_size = self._store_inputs(job_id, new)
        except BaseException:
            self.blobs.delete_prefix(input_prefix(job_id))
            raise
        width, height = new.width, new.height
        if (width, height) == (0, 0):  # an edit's size=auto: the input's orientation
            width, height = auto_size(*first_size)
        background = new.background
        if background == "auto":  # keep an input's transparency where the format can hold it
            keep = first_has_alpha and new.output_format != "jpeg"
            background = "transparent" if keep else "opaque"
        spec = ImageSpec(
            prompt=new.prompt,
            family=new.family,
            operation=new.operation,
            width=width,
            height=height,
            n=new.n,
            quality=new.quality,
            output_format=new.output_format,
            output_compression=new.output_compression,
            background=background,
            style=new.style,
            moderation=new.moderation,
            input_fidelity=new.input_fidelity,
            user=new.user,
            input_image_keys=keys,
            mask_key=mask_key,
        )
        return PreparedImages(job_id, new, spec, verdict, self._clock(), owner, idempotency)

    def render(
        self, prepared: PreparedImages, on_partial: PartialListener | None = None
    ) -> ImageResult:
        """Draw, store and record the images (blocking: call it from a worker thread)."""
        job_id, spec = prepared.job_id, prepared.spec
        provider_name = self.providers.image_provider_for_model(prepared.new.model)
        if provider_name is None:
            raise InvalidRequest(
                f"No image provider serves model '{prepared.new.model}'.", param="model"
            )
        provider = self.providers.get_image(provider_name)
        upstream_model = self.providers.upstream_request(prepared.new.model, provider_name)[0]
        workdir = self.blobs.staging_dir(job_id)
        inputs = workdir / "inputs"  # stored inputs, where the store is remote
        try:
            task = ImageTask(
                job_id=job_id,
                prompt=spec.prompt,
                family=spec.family,
                operation=spec.operation,
                width=spec.width,
                height=spec.height,
                n=spec.n,
                quality=spec.quality,
                output_format=spec.output_format,
                output_compression=spec.output_compression,
                background=spec.background,
                style=spec.style,
                input_images=tuple(
                    self.blobs.local_file(key, inputs) for key in spec.input_image_keys
                ),
                mask=self.blobs.local_file(spec.mask_key, inputs) if spec.mask_key else None,
                partial_images=prepared.new.partial_images if on_partial else 0,
                upstream_model=upstream_model,
            )
            started = self._clock()
            sink = None
            if on_partial is not None:

                def sink(index: int, partial_index: int, path: Path) -> None:
                    on_partial(PartialImage(index, partial_index, path.read_bytes()))

            rendered = _generate(provider, task, workdir, sink)
            stored = [self._store_output(job_id, spec, item) for item in rendered]
            job = Job(
                id=job_id,
                kind=JobKind.IMAGE,
                model=prepared.new.model,
                provider=provider_name,
                spec=spec,
                status=JobStatus.COMPLETED,
                progress=100,
                created_at=prepared.created_at,
                owner=prepared.owner,
                started_at=started,
                completed_at=self._clock(),
                generations=tuple(item.generation for item in stored),
            )
            claim = prepared.idempotency
            self.store.insert_finished_job(
                job,
                [item.generation for item in stored],
                idempotency=(claim.key, claim.fingerprint) if claim else None,
            )
        except BaseException as exc:
            self.blobs.delete_prefix(output_prefix(job_id))
            self.blobs.delete_prefix(input_prefix(job_id))
            if isinstance(exc, KeyAlreadyClaimed):  # a twin request finished first
                twin = self.replayed(prepared.owner, prepared.idempotency)
                if twin is not None:
                    return twin
            raise
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return ImageResult(job=job, verdict=prepared.verdict, images=stored)

    def discard(self, prepared: PreparedImages) -> None:
        """Forget a prepared request that will not be rendered (its stored inputs)."""
        self.blobs.delete_prefix(input_prefix(prepared.job_id))

    def image_file(self, generation_id: str) -> tuple[Asset, MediaSource]:
        """The stored file of one image, by its generation id."""
        job_id = self.store.job_id_of_generation(generation_id, kind=JobKind.IMAGE)
        job = self.store.get_job(job_id, with_generations=True) if job_id else None
        generation = (
            next((g for g in job.generations if g.id == generation_id), None) if job else None
        )
        asset = generation.assets.get(AssetVariant.IMAGE) if generation else None
        if asset is None or not self.blobs.exists(asset.blob_key):
            raise NotFound(f"Image '{generation_id}' not found.", code="not_found")
        return asset, self.blobs.source(asset.blob_key, asset.size)

    # -- helpers -------------------------------------------------------------------------------

    def _store_inputs(
        self, job_id: str, new: NewImages
    ) -> tuple[tuple[str, ...], str | None, bool, tuple[int, int]]:
        """Validate and keep the inputs as PNG: image keys, mask key, and whether the first
        image has transparency and its size (both matter only to edits).

        Every input's size is read from its header and the request held to its pixel budget
        before any is decoded; then each is decoded, kept and let go in turn."""
        images = [self._read(upload) for upload in new.images]
        mask = self._read(new.mask) if new.mask is not None else None
        self._check_request_pixels([*images, *([mask] if mask else [])])
        keys: list[str] = []
        first: DecodedImage | None = None
        staging = self.blobs.staging_dir(job_id)
        try:
            for number, read in enumerate(images):
                item = self._decode(read)
                if number == 0:
                    first = item
                    if new.family is ImageFamily.DALL_E_2:
                        self._check_dall_e_2_input(item, read.upload)
                path = staging / f"image-{number}.png"
                item.image.save(path, format="PNG", compress_level=1)
                key = f"{input_prefix(job_id)}/image-{number}.png"
                keys.append(self.blobs.put_file(key, path).key)
                del item  # only the first stays decoded (its size and alpha are needed)
            mask_key = None
            if mask is not None:
                path = staging / "mask.png"
                self._checked_mask(mask, first).save(path, format="PNG", compress_level=1)
                mask_key = self.blobs.put_file(f"{input_prefix(job_id)}/mask.png", path).key
            if first is None:
                return (), mask_key, False, (0, 0)
            return tuple(keys), mask_key, has_transparency(first.image), first.image.size
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _read(self, upload: ClientFile) -> ReadImage:
        """An input's bytes and its size from the header, checked, nothing decoded."""
        limit = self.settings.max_upload_bytes
        data = upload.stream.read(limit + 1)
        try:
            size = image_size(
                data, max_bytes=limit, max_pixels=self.settings.max_image_pixels, label=upload.name
            )
        except InvalidMediaError as exc:
            raise InvalidRequest(str(exc), param=upload.param, code="invalid_image") from exc
        return ReadImage(upload, data, size)

    def _check_request_pixels(self, inputs: list[ReadImage]) -> None:
        sizes = [read.size for read in inputs]
        budget = self.settings.max_image_request_pixels
        past = over_request_budget(sizes, budget)
        if past is not None:
            raise InvalidRequest(
                request_budget_message(sizes, budget),
                param=inputs[past].upload.param,
                code="invalid_image",
            )

    def _decode(self, read: ReadImage) -> DecodedImage:
        upload = read.upload
        try:
            return load_rgba(
                read.data,
                max_bytes=self.settings.max_upload_bytes,
                max_pixels=self.settings.max_image_pixels,
                label=upload.name,
            )
        except InvalidMediaError as exc:
            raise InvalidRequest(str(exc), param=upload.param, code="invalid_image") from exc

    @staticmethod
    def _check_dall_e_2_input(decoded: DecodedImage, upload: ClientFile) -> None:
        """DALL-E 2 edits take one square PNG (the published limit)."""
        width, height = decoded.image.size
        if decoded.format != "PNG" or width != height:
            raise InvalidRequest(
                f"Invalid input image - format must be a square PNG for dall-e-2, got "
                f"{decoded.format.lower() or 'unknown'} {width}x{height}.",
                param=upload.param,
                code="invalid_image_format",
            )

    def _checked_mask(self, read: ReadImage, first: DecodedImage | None) -> Image.Image:
        """A mask is a PNG with an alpha channel, the size of the (first) image."""
        upload = read.upload
        mask = self._decode(read)
        if mask.format != "PNG" or not mask.has_alpha_channel:
            raise InvalidRequest(
                "Invalid mask image format - the mask must be a PNG image with an alpha channel "
                "(its fully transparent pixels mark the area to edit).",
                param=upload.param,
                code="invalid_image_format",
            )
        if first is None or mask.image.size != first.image.size:
            expected = f"{first.image.size[0]}x{first.image.size[1]}" if first else "unknown"
            raise InvalidRequest(
                f"The mask is {mask.image.size[0]}x{mask.image.size[1]} but the image is "
                f"{expected}; they must be the same size.",
                param=upload.param,
                code="invalid_image_dimensions",
            )
        return mask.image

    def _store_output(self, job_id: str, spec: ImageSpec, item: RenderedImage) -> StoredImage:
        extension = EXTENSIONS[spec.output_format]
        key = f"{output_prefix(job_id)}/{item.index}/image.{extension}"
        data = item.path.read_bytes()  # for b64_json answers: the stored file may be remote
        blob = self.blobs.put_file(key, item.path)
        asset = Asset(
            variant=AssetVariant.IMAGE,
            media_type=MEDIA_TYPES[spec.output_format],
            size=blob.size,
            sha256=blob.sha256,
            blob_key=blob.key,
        )
        generation = Generation(
            id=new_id("img"),
            job_id=job_id,
            index=item.index,
            width=item.width,
            height=item.height,
            seconds=0.0,
            assets={AssetVariant.IMAGE: asset},
            revised_prompt=item.revised_prompt,
        )
        return StoredImage(generation, asset, data)


def _generate(
    provider: ImageProvider, task: ImageTask, workdir: Path, sink: PartialImageSink | None
) -> list[RenderedImage]:
    """Run the provider; an upstream's failure becomes the client's answer (a 502 naming the
    provider, or a moderation refusal), never an unhandled error."""
    try:
        return provider.generate_images(task, workdir, sink)
    except UpstreamError as exc:
        if exc.code in ("input_moderation", "output_moderation"):
            raise ModerationRejected(str(exc)) from exc
        raise UpstreamFailed(str(exc), code=exc.code) from exc
