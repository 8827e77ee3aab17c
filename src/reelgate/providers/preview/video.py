"""The built-in, offline video provider: prompt-driven animated previews, not generated footage.

It exists so reelgate can be installed, tested and integrated against without a model: every
operation of the Videos API produces a real, playable H.264 MP4 whose look depends on the
prompt, deterministically (the same task gives the same frames, and the same bytes on the same
FFmpeg/x264 build).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from reelgate.core.models import Operation, Phase
from reelgate.media.encode import DEFAULT_CRF, DEFAULT_PRESET
from reelgate.media.errors import InvalidMediaError
from reelgate.media.probe import FrameCursor, VideoInfo, iter_frames, probe_video
from reelgate.providers.base import ProgressSink, RenderedVideo, VideoTask
from reelgate.providers.preview.characters import CharacterBadges
from reelgate.providers.preview.inpaint import InpaintCompositor
from reelgate.providers.preview.render import ColorGrade, SceneRenderer, crossfade
from reelgate.providers.preview.scenes import Scene, build_scene, scene_key
from reelgate.providers.renditions import VariantWriter

# Share of the progress bar spent on frames; the rest covers thumbnails and spritesheets.
_FRAMES_SHARE = 95.0
# Extensions dissolve from the source's last frame into the new scene over this long.
_CROSSFADE_SECONDS = 0.75
# Edits keep this much of the new scene's shapes' opacity, so the footage stays visible.
_EDIT_SHAPE_OPACITY = 0.45


@dataclass(frozen=True)
class _Inputs:
    """Everything read from disk before rendering starts (the PREPROCESSING phase)."""

    backdrop: Image.Image | None
    source: VideoInfo | None
    source_signature: bytes | None  # identifies the source's pixels, for remixes without a prompt


class PreviewVideoProvider:
    name = "preview"

    def __init__(self, *, preset: str = DEFAULT_PRESET, crf: int = DEFAULT_CRF) -> None:
        self.preset = preset
        self.crf = crf

    def generate_video(
        self, task: VideoTask, workdir: Path, progress: ProgressSink
    ) -> list[RenderedVideo]:
        """Render, encode and illustrate each variant; on any failure or cancellation, remove
        whatever this call wrote so no half-finished output can be mistaken for a result."""
        outputs: list[VariantWriter] = []
        try:
            return self._generate(task, Path(workdir), progress, outputs)
        except BaseException:
            for output in outputs:
                for path in output.written:
                    path.unlink(missing_ok=True)
            raise

    def _generate(
        self, task: VideoTask, workdir: Path, progress: ProgressSink, outputs: list[VariantWriter]
    ) -> list[RenderedVideo]:
        progress(0, Phase.PREPROCESSING)
        inputs = _read_inputs(task)
        total = task.seconds * task.fps
        if total <= 0:
            raise ValueError(f"nothing to render: {task.seconds} s at {task.fps} fps")
        report_every = max(1, task.fps // 4)

        inpaint = InpaintCompositor(task.inpaint, task.width, task.height, task.fps)
        badges = CharacterBadges(task.characters, task.width, task.height)
        for variant in range(task.n_variants):
            output = VariantWriter(
                workdir / str(variant),
                task.width,
                task.height,
                task.fps,
                total,
                preset=self.preset,
                crf=self.crf,
            )
            outputs.append(output)
            with output:
                for index, rendered in enumerate(_frames(task, variant, inputs, total)):
                    output.write(badges.apply(inpaint.apply(rendered, index)))
                    if (index + 1) % report_every == 0:
                        done = variant * total + index + 1
                        progress(_FRAMES_SHARE * done / (task.n_variants * total), Phase.RUNNING)

        results: list[RenderedVideo] = []
        for done, output in enumerate(outputs, start=1):
            files = output.finish()
            results.append(
                RenderedVideo(
                    index=done - 1,
                    width=task.width,
                    height=task.height,
                    seconds=total / task.fps,
                    files=files,
                )
            )
            share = 100.0 - _FRAMES_SHARE
            progress(_FRAMES_SHARE + share * done / len(outputs), Phase.PROCESSING)
        return results


def _read_inputs(task: VideoTask) -> _Inputs:
    backdrop = None
    if task.reference_image is not None:
        with Image.open(task.reference_image) as image:
            image.load()
            backdrop = image.convert("RGB")
    source = None
    signature = None
    if task.operation in (Operation.EDIT, Operation.EXTEND) and task.source_video is None:
        raise ValueError(f"a {task.operation} task needs a source video")
    if task.source_video is not None and task.operation is not Operation.GENERATE:
        source = probe_video(task.source_video)
        if task.operation is Operation.REMIX and task.source_prompt is None:
            first = next(iter_frames(task.source_video, fit=(task.width, task.height)))
            signature = hashlib.sha256(first.tobytes()).digest()
    return _Inputs(backdrop=backdrop, source=source, source_signature=signature)


def _frames(task: VideoTask, variant: int, inputs: _Inputs, total: int) -> Iterator[np.ndarray]:
    """The `total` frames of one variant, according to the task's operation."""
    key = _key_for(task, task.prompt, variant)
    if task.operation is Operation.REMIX:
        if task.source_prompt is not None:
            layout_key = _key_for(task, task.source_prompt, variant)
        elif inputs.source_signature is not None:
            layout_key = hashlib.sha256(inputs.source_signature + key).digest()
        else:
            layout_key = key
        scene = build_scene(task.prompt, palette_key=key, layout_key=layout_key)
        return _rendered(
            SceneRenderer(scene, task.width, task.height, task.fps, total, backdrop=inputs.backdrop)
        )
    scene = build_scene(task.prompt, palette_key=key, layout_key=key)
    if task.operation is Operation.EDIT:
        return _edited(task, scene, inputs, total)
    if task.operation is Operation.EXTEND:
        return _extended(task, scene, inputs, total)
    return _rendered(
        SceneRenderer(scene, task.width, task.height, task.fps, total, backdrop=inputs.backdrop)
    )


def _key_for(task: VideoTask, prompt: str, variant: int) -> bytes:
    return scene_key(
        prompt,
        seed=task.seed,
        width=task.width,
        height=task.height,
        seconds=task.seconds,
        fps=task.fps,
        variant=variant,
    )


def _rendered(renderer: SceneRenderer) -> Iterator[np.ndarray]:
    for index in range(renderer.frames):
        yield renderer.render(index)


def _edited(task: VideoTask, scene: Scene, inputs: _Inputs, total: int) -> Iterator[np.ndarray]:
    """The source, looped or cut to length, colour-graded and overlaid with the new prompt."""
    assert task.source_video is not None and inputs.source is not None
    grade = ColorGrade(scene.palette)
    overlay = SceneRenderer(
        scene, task.width, task.height, task.fps, total, shape_opacity=_EDIT_SHAPE_OPACITY
    )
    source = _source_frames(task.source_video, inputs.source, task, total)
    for index, frame in enumerate(source):
        graded = grade.apply(frame)
        overlay.decorate(graded, index)
        yield graded


def _extended(task: VideoTask, scene: Scene, inputs: _Inputs, total: int) -> Iterator[np.ndarray]:
    """The source unchanged, then a new scene that dissolves in from the source's last frame."""
    assert task.source_video is not None and inputs.source is not None
    info = inputs.source
    source_count = max(1, round(info.duration * task.fps) if info.duration else info.frames)
    new_count = total - source_count
    if new_count < 1:
        raise InvalidMediaError(
            f"the source video is already {info.duration:.2f} s long; "
            f"there is nothing to add to reach {task.seconds} s"
        )
    last: np.ndarray | None = None
    for frame in _source_frames(task.source_video, info, task, source_count):
        last = frame
        yield frame
    assert last is not None
    renderer = SceneRenderer(
        scene,
        task.width,
        task.height,
        task.fps,
        new_count,
        backdrop=None,
        timeline_offset=source_count,
        timeline_frames=total,
    )
    fade = min(round(_CROSSFADE_SECONDS * task.fps), new_count // 2)
    for index in range(new_count):
        frame = renderer.render(index)
        if index < fade:
            frame = crossfade(last, frame, (index + 1) / (fade + 1))
        yield frame


def _source_frames(
    path: Path, info: VideoInfo, task: VideoTask, count: int
) -> Iterator[np.ndarray]:
    """`count` frames of the source at the task's size and frame rate, looping if it is short.

    Output frame `j` shows the source frame on screen at `j / fps`; decoding streams, restarting
    from the top on each loop, so long sources are never held in memory. A yielded array may be
    yielded again (a slower source repeats frames): consumers must not modify it.
    """
    source_fps = info.fps or float(task.fps)
    fit = (task.width, task.height)
    decoder = FrameCursor(lambda: iter_frames(path, fit=fit))
    for output_index in range(count):
        position = int(output_index * source_fps / task.fps + 1e-6)
        yield decoder.frame_at(position % max(1, info.frames))
