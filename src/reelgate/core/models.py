"""The canonical job model every dialect reads and writes; no HTTP or database here."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from reelgate.scenarios.grammar import Scenario


class JobStatus(StrEnum):
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobKind(StrEnum):
    VIDEO = "video"
    IMAGE = "image"


class Operation(StrEnum):
    """How a video job relates to earlier media."""

    GENERATE = "generate"
    REMIX = "remix"
    EDIT = "edit"
    EXTEND = "extend"


class Phase(StrEnum):
    """Finer steps inside `in_progress`, shown by dialects that have words for them."""

    PREPROCESSING = "preprocessing"
    RUNNING = "running"
    PROCESSING = "processing"


# (status, phases): jobs in that status, in one of those phases (None: any phase).
StateFilter = tuple[JobStatus, tuple[Phase | None, ...] | None]


class AssetVariant(StrEnum):
    VIDEO = "video"
    VIDEO_LOW = "video_low"  # a smaller re-encode (Azure's quality=low)
    THUMBNAIL = "thumbnail"  # WebP (OpenAI's thumbnail variant)
    THUMBNAIL_JPEG = "thumbnail_jpeg"  # JPEG (Azure's content/thumbnail)
    SPRITESHEET = "spritesheet"
    IMAGE = "image"  # the file of an image job's generation (PNG, JPEG or WebP)


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class CharacterSpec(BaseModel):
    """A video character the prompt mentions (`core/characters.py`): its name and colours."""

    model_config = ConfigDict(frozen=True)

    name: str
    colors: tuple[tuple[int, int, int], ...]


class InpaintSpec(BaseModel):
    """Client media placed into the video from a frame on (Azure's inpaint items).

    The crop bounds are fractions: they select that part of the media item, which is shown in
    the same part of the frame.
    """

    model_config = ConfigDict(frozen=True)

    file_name: str
    blob_key: str
    kind: MediaKind
    frame_index: int
    left: float = 0.0
    top: float = 0.0
    right: float = 1.0
    bottom: float = 1.0


class VideoSpec(BaseModel):
    """What to produce, in canonical terms (dialects translate their own fields into this)."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    width: int
    height: int
    seconds: int
    fps: int = 24
    n_variants: int = 1
    seed: int | None = None
    operation: Operation = Operation.GENERATE
    # Remix/edit/extend of a stored video: the job whose first generation is the source.
    source_job_id: str | None = None
    # Edit/extend of an uploaded video, or a reference image: blob keys of validated inputs.
    source_video_key: str | None = None
    reference_image_key: str | None = None
    # For extensions: the length of the new segment (`seconds` is the stitched total).
    extension_seconds: int | None = None
    inpaint: tuple[InpaintSpec, ...] = ()
    # The caller's video characters the prompt mentions (the preview engine draws them).
    characters: tuple[CharacterSpec, ...] = ()
    # How this job is scripted to behave (reelgate as a test double; docs/testing-your-app.md).
    scenario: Scenario | None = None
    # The request's own fallbacks (`provider/model` names, the gateway dialect's `fallbacks`),
    # tried in order after the job's model when a provider does not take the job; they replace
    # the routing file's chain. `fallback_index` is the entry now tried (0: the job's model).
    fallbacks: tuple[str, ...] = ()
    fallback_index: int = 0
    # Asked for through the gateway dialect, kept with the job; no provider reelgate has uses
    # them yet (the preview engine draws no sound and has nothing to avoid).
    negative_prompt: str | None = None
    audio: bool | None = None

    def model_now(self, model: str) -> str:
        """The model name this job is being served as: `model`, or the fallback it reached."""
        return (model, *self.fallbacks)[self.fallback_index]


class ImageFamily(StrEnum):
    """Which published model an image request behaves like (chosen from the model name)."""

    GPT_IMAGE_1 = "gpt-image-1"
    DALL_E_3 = "dall-e-3"
    DALL_E_2 = "dall-e-2"


class ImageOperation(StrEnum):
    GENERATE = "generate"
    EDIT = "edit"
    VARIATION = "variation"  # DALL-E 2: the input redrawn, no prompt


class ImageSpec(BaseModel):
    """An image request in canonical terms, every `auto` resolved, so a stored job says exactly
    what was drawn."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    family: ImageFamily
    operation: ImageOperation = ImageOperation.GENERATE
    width: int
    height: int
    n: int = 1
    quality: str  # low | medium | high (GPT image), standard | hd (DALL-E)
    output_format: str = "png"  # png | jpeg | webp
    output_compression: int = 100  # 0..100; lower gives smaller JPEG/WebP files
    background: str = "opaque"  # transparent | opaque (auto resolved)
    style: str | None = None  # vivid | natural (DALL-E 3)
    moderation: str = "auto"  # low | auto
    input_fidelity: str | None = None  # low | high (edits)
    user: str | None = None
    # Edits: blob keys of the validated input images (first one is the base) and of the mask.
    input_image_keys: tuple[str, ...] = ()
    mask_key: str | None = None


class JobError(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    message: str


class Asset(BaseModel):
    model_config = ConfigDict(frozen=True)

    variant: AssetVariant
    media_type: str
    size: int
    sha256: str
    blob_key: str


class Generation(BaseModel):
    """One produced output of a job (Azure's "generation"; a job has n_variants of them)."""

    model_config = ConfigDict(frozen=True)

    id: str
    job_id: str
    index: int
    width: int
    height: int
    seconds: float
    assets: dict[AssetVariant, Asset] = {}
    revised_prompt: str | None = None  # images: what was drawn, in words (DALL-E 3 reports it)


class Job(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    owner: str | None = None
    kind: JobKind = JobKind.VIDEO
    model: str
    provider: str
    spec: VideoSpec | ImageSpec  # by `kind`
    status: JobStatus = JobStatus.QUEUED
    phase: Phase | None = None
    progress: int = 0
    created_at: float
    started_at: float | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    error: JobError | None = None
    upstream_ref: str | None = None
    attempts: int = 0
    lease_until: float | None = None
    lease_owner: str | None = None
    idempotency_key: str | None = None
    remixed_from: str | None = None
    webhook: str | None = None  # where video.completed / video.failed is POSTed (docs/webhooks.md)
    generations: tuple[Generation, ...] = ()

    @property
    def named_provider(self) -> str:
        """The provider the job is known by (the gateway dialect's id suffix and list filter):
        the `provider` of a `provider/model` name, else the provider serving it.
        `store.job_rows.named_provider_condition` is the same rule in SQL."""
        provider, slash, _model = self.model.partition("/")
        return provider if slash else self.provider
