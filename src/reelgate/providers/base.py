"""The contract between the job runner and whatever produces media.

A provider knows nothing of dialects or HTTP: it receives a canonical `VideoTask` (or `ImageTask`),
writes its files into a private work directory, reports progress, and returns what it produced.
The runner (for images, the image service) then moves those files into reelgate's storage and
records them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from reelgate.core.models import (
    AssetVariant,
    CharacterSpec,
    ImageFamily,
    ImageOperation,
    MediaKind,
    Operation,
    Phase,
)


class JobCancelled(Exception):
    """Raised by a progress sink when the job was deleted or cancelled while running."""


class WorkerStopping(JobCancelled):
    """The server is shutting down: the job goes back to the queue instead of failing (and an
    upstream job it started is kept, to be resumed)."""


class ProviderStartError(Exception):
    """A provider that cannot start as configured (its weights are missing, a package it needs
    is not installed, ...); start-up stops with this message."""


class ProgressSink(Protocol):
    def __call__(self, progress: float, phase: Phase = Phase.RUNNING) -> None:
        """Report progress in 0..100. May raise `JobCancelled` to stop the work early."""


class UpstreamProgressSink(ProgressSink, Protocol):
    """The runner's sink also persists upstream state while the worker holds the job."""

    def remember_upstream(self, ref: str) -> None:
        """Store the upstream job's id on the job row, durably, before anyone waits on it.
        Raises `JobCancelled` when the job is no longer this worker's."""


@dataclass(frozen=True)
class InpaintLayer:
    """Client media shown from `frame_index` on, its crop (fractions) shown in the same part of
    the frame."""

    path: Path
    kind: MediaKind
    frame_index: int
    left: float = 0.0
    top: float = 0.0
    right: float = 1.0
    bottom: float = 1.0


@dataclass(frozen=True)
class VideoTask:
    """A video to produce, with every input already validated and on local disk."""

    job_id: str
    prompt: str
    width: int  # even
    height: int  # even
    seconds: int  # total duration of each output (for extensions: source + new segment)
    fps: int = 24
    n_variants: int = 1
    seed: int | None = None
    operation: Operation = Operation.GENERATE
    reference_image: Path | None = None  # a validated image file (PNG)
    source_video: Path | None = None  # the video to remix, edit or extend
    source_prompt: str | None = None  # the prompt that produced `source_video`, when known
    inpaint: tuple[InpaintLayer, ...] = ()
    characters: tuple[CharacterSpec, ...] = ()  # the preview engine draws their badges
    negative_prompt: str | None = None  # what to keep out (models that take one)
    # Upstream providers: the model or deployment to ask for, extra request parameters from
    # the routing file, and the upstream job already submitted for this job (resume, never
    # submit twice). The source's upstream id, when the source job ran on the same provider.
    upstream_model: str | None = None
    upstream_parameters: Mapping[str, Any] = field(default_factory=dict)
    upstream_ref: str | None = None
    source_upstream_ref: str | None = None


@dataclass(frozen=True)
class RenderedVideo:
    """One output variant, as files inside the provider's work directory.

    `files` must hold VIDEO (H.264 MP4); a provider adds what it can of VIDEO_LOW (smaller MP4),
    THUMBNAIL (WebP), THUMBNAIL_JPEG and SPRITESHEET (JPEG grid of frames).
    """

    index: int
    width: int
    height: int
    seconds: float
    files: dict[AssetVariant, Path]


class VideoProvider(Protocol):
    name: str

    def generate_video(
        self, task: VideoTask, workdir: Path, progress: ProgressSink
    ) -> list[RenderedVideo]:
        """Produce `task.n_variants` videos in `workdir`. Blocking; runs in a worker thread."""


@dataclass(frozen=True)
class ImageTask:
    """Images to produce (a generation, or an edit of input images), inputs on local disk.

    Options are canonical: `background` is transparent or opaque, `quality` a resolved word.
    """

    job_id: str
    prompt: str
    family: ImageFamily
    operation: ImageOperation
    width: int
    height: int
    n: int
    quality: str
    output_format: str  # png | jpeg | webp
    output_compression: int  # 0..100, JPEG/WebP quality
    background: str  # transparent | opaque
    style: str | None = None  # vivid | natural
    input_images: tuple[Path, ...] = ()  # edits: the first is the image the mask applies to
    mask: Path | None = None  # PNG whose fully transparent pixels mark what to redraw
    partial_images: int = 0  # intermediate renders to report per image, 0..3
    upstream_model: str | None = None  # upstream providers: the model or deployment to ask for


@dataclass(frozen=True)
class RenderedImage:
    """One output image, a file inside the provider's work directory, in the task's format."""

    index: int
    width: int
    height: int
    path: Path
    revised_prompt: str | None = None  # what was drawn, in words (DALL-E 3 reports it)


class PartialImageSink(Protocol):
    def __call__(self, index: int, partial_index: int, path: Path) -> None:
        """An intermediate render of image `index` (a file in the task's format)."""


class ImageProvider(Protocol):
    name: str

    def generate_images(
        self, task: ImageTask, workdir: Path, on_partial: PartialImageSink | None = None
    ) -> list[RenderedImage]:
        """Produce `task.n` images in `workdir`. Blocking; runs in a request's worker thread."""
