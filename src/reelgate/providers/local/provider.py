"""The `diffusers` provider: an open model (Wan, LTX, FLUX, SDXL) run on this machine's GPU or
CPU, behind every dialect like any other provider.

It loads its pipeline once, on first use, and keeps it; one call runs at a time (a lock, and a
default concurrency of 1 in the registry, so no second job waits holding a worker). Sizes and
frame counts are rounded up to what the family makes, then the frames are cropped from the
centre and cut to exactly the size and duration asked, so clients get what they asked for.
Frames go through reelgate's own encoder (`providers/renditions.py`).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from reelgate.core.models import Phase
from reelgate.media.image_files import encode_image
from reelgate.media.images import fit_cover
from reelgate.providers.base import (
    ImageTask,
    PartialImageSink,
    ProgressSink,
    ProviderStartError,
    RenderedImage,
    RenderedVideo,
    VideoTask,
)
from reelgate.providers.local.errors import LocalModelFailed, OutOfMemory
from reelgate.providers.local.families import FAMILIES
from reelgate.providers.local.families.base import FamilyMismatch, ImageCall, VideoCall
from reelgate.providers.local.weights import require_local_extra, resolve_weights
from reelgate.providers.renditions import VariantWriter
from reelgate.providers.routing import ProviderConfig

# Share of the progress bar spent denoising; the rest is decoding and encoding.
_DENOISE_SHARE = 90.0


class DiffusersProvider:
    def __init__(self, name: str, config: ProviderConfig) -> None:
        assert config.pipeline is not None, "a diffusers provider has a `pipeline:` block"
        self.name = name
        self.settings = config.pipeline
        self.family = FAMILIES[self.settings.family].load()
        self.weights: Path | None = None
        self.steps = self.settings.steps or self.family.steps
        guidance = self.settings.guidance
        self.guidance = self.family.guidance if guidance is None else guidance
        self._pipe: Any = None
        self._lock = threading.Lock()

    # -- the pipeline --------------------------------------------------------------------------

    def prepare(self) -> None:
        """The start-up check of a process that will run this provider's jobs: the extra is
        installed and the weights are a saved pipeline of the family (a Hub id is fetched
        now). An API process that only queues jobs for GPU workers needs neither."""
        require_local_extra(self.name)
        self.weights = resolve_weights(self.name, self.settings)

    def _pipeline(self) -> Any:
        """Loaded on first use (the caller holds the lock), then kept."""
        if self._pipe is None:
            if self.weights is None:
                try:
                    self.prepare()
                except ProviderStartError as exc:
                    unavailable = "provider_unavailable"
                    raise LocalModelFailed(self.name, str(exc), code=unavailable) from None
            from reelgate.providers.local.runtime import load_pipeline

            assert self.weights is not None
            self._pipe = load_pipeline(self.weights, self.settings)
        return self._pipe

    def _run(self, call: Any, kwargs: dict[str, Any], progress: ProgressSink | None) -> Any:
        from reelgate.providers.local import runtime

        steps = kwargs["num_inference_steps"]

        reached = [0.0]  # the progress last reported, repeated by the heartbeat

        def report(done: int, total: int) -> None:
            reached[0] = _DENOISE_SHARE * done / max(1, total)
            if progress is not None:
                progress(reached[0], Phase.RUNNING)

        def keep_alive() -> None:
            if progress is not None:
                progress(reached[0], Phase.RUNNING)  # the sink writes what it is given

        hooks = runtime.StepHooks(report, keep_alive, steps)
        try:
            with hooks.beating():
                return call(**kwargs, callback_on_step_end=hooks.on_step_end, output_type="np")
        except BaseException as exc:
            runtime.free_memory()
            if runtime.is_out_of_memory(exc):
                raise OutOfMemory(self.name, _oom_message(kwargs)) from None
            raise

    # -- videos --------------------------------------------------------------------------------

    def generate_video(
        self, task: VideoTask, workdir: Path, progress: ProgressSink
    ) -> list[RenderedVideo]:
        from reelgate.providers.local import runtime

        progress(0, Phase.PREPROCESSING)
        fps = self.settings.fps or self.family.fps
        wanted = task.seconds * fps
        width, height = self.family.fitted_side(task.width), self.family.fitted_side(task.height)
        call = VideoCall(
            prompt=task.prompt,
            negative_prompt=task.negative_prompt or self.settings.negative_prompt,
            width=width,
            height=height,
            frames=self.family.fitted_frames(wanted),
            fps=fps,
            steps=self.settings.steps or self.family.steps,
            guidance=self.family.guidance
            if self.settings.guidance is None
            else self.settings.guidance,
            variants=task.n_variants,
            image=_reference(task.reference_image, width, height),
        )
        with self._lock:
            pipe = self._pipeline()
            try:
                runner = self.family.video_pipeline(pipe, call)
            except FamilyMismatch as exc:
                raise LocalModelFailed(self.name, str(exc), code="invalid_input") from None
            kwargs = self.family.video_kwargs(call)
            kwargs["generator"] = runtime.generators(_seed(task.seed, task.job_id), call.variants)
            output = self._run(runner, kwargs, progress)
        clips = np.asarray(output.frames)
        results = []
        for index, clip in enumerate(clips):
            frames = [_cropped(frame, task.width, task.height) for frame in clip[:wanted]]
            results.append(self._encode(task, index, frames, fps, workdir))
            progress(_DENOISE_SHARE + (100 - _DENOISE_SHARE) * (index + 1) / len(clips))
        return results

    def _encode(
        self, task: VideoTask, index: int, frames: list[np.ndarray], fps: int, workdir: Path
    ) -> RenderedVideo:
        output = VariantWriter(workdir / str(index), task.width, task.height, fps, len(frames))
        with output:
            for frame in frames:
                output.write(frame)
        return RenderedVideo(
            index=index,
            width=task.width,
            height=task.height,
            seconds=len(frames) / fps,
            files=output.finish(),
        )

    # -- images --------------------------------------------------------------------------------

    def generate_images(
        self, task: ImageTask, workdir: Path, on_partial: PartialImageSink | None = None
    ) -> list[RenderedImage]:
        from reelgate.providers.local import runtime

        width, height = self.family.fitted_side(task.width), self.family.fitted_side(task.height)
        image = mask = None
        if task.input_images:
            image = _reference(task.input_images[0], width, height)
            if task.mask is not None:
                mask = _redraw_mask(task.mask, width, height)
        call = ImageCall(
            prompt=task.prompt,
            negative_prompt=self.settings.negative_prompt,
            width=width,
            height=height,
            steps=self.settings.steps or self.family.steps,
            guidance=self.family.guidance
            if self.settings.guidance is None
            else self.settings.guidance,
            count=task.n,
            image=image,
            mask=mask,
        )
        with self._lock:
            runner = self.family.image_pipeline(self._pipeline(), call)
            kwargs = self.family.image_kwargs(call)
            kwargs["generator"] = runtime.generators(_seed(None, task.job_id), call.count)
            output = self._run(runner, kwargs, None)
        workdir.mkdir(parents=True, exist_ok=True)
        results = []
        for index, pixels in enumerate(np.asarray(output.images)):
            picture = Image.fromarray(_cropped(pixels, task.width, task.height))
            path = workdir / f"{index}.{task.output_format}"
            encode_image(picture, path, task.output_format, task.output_compression)
            results.append(
                RenderedImage(index=index, width=task.width, height=task.height, path=path)
            )
        return results


def _seed(seed: int | None, job_id: str) -> int:
    """The request's seed, else one derived from the job id (a retried job draws the same)."""
    if seed is not None:
        return seed
    return int.from_bytes(hashlib.sha256(job_id.encode()).digest()[:4], "big")


def _reference(path: Path | None, width: int, height: int) -> Image.Image | None:
    if path is None:
        return None
    with Image.open(path) as opened:
        return fit_cover(opened.convert("RGB"), width, height)


def _redraw_mask(path: Path, width: int, height: int) -> Image.Image:
    """The images API's mask (transparent where to redraw) as diffusers' (white there)."""
    with Image.open(path) as opened:
        alpha = opened.convert("RGBA").getchannel("A")
    redraw = alpha.point(lambda value: 255 if value == 0 else 0)
    return redraw.resize((width, height), Image.Resampling.NEAREST)


def _cropped(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """A float frame in [0, 1] as uint8 RGB, cropped from the centre to width x height."""
    pixels = np.clip(np.asarray(frame, dtype=np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    top = (pixels.shape[0] - height) // 2
    left = (pixels.shape[1] - width) // 2
    return np.ascontiguousarray(pixels[top : top + height, left : left + width, :3])


def _oom_message(kwargs: dict[str, Any]) -> str:
    size = f"{kwargs.get('width', '?')}x{kwargs.get('height', '?')}"
    frames = f", {kwargs['num_frames']} frames" if "num_frames" in kwargs else ""
    return (
        f"out of GPU memory at {size}{frames}; ask for less, or set `offload: model` or "
        "`vae_tiling: true` on the provider"
    )
