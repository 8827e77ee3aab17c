"""The preview provider: every operation renders real, deterministic, prompt-dependent video."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageFont

from reelgate.core.models import AssetVariant, Operation, Phase
from reelgate.media.errors import InvalidMediaError
from reelgate.media.probe import iter_frames, probe_video
from reelgate.media.thumbs import SpritesheetLayout
from reelgate.providers.base import JobCancelled, RenderedVideo, VideoProvider, VideoTask
from reelgate.providers.preview.caption_layout import MAX_CAPTION_LINES, wrap_caption
from reelgate.providers.preview.scenes import build_scene, scene_key
from reelgate.providers.preview.video import PreviewVideoProvider

WIDTH, HEIGHT = 128, 96


class RecordingSink:
    """A progress sink that remembers every call and can cancel after a number of them."""

    def __init__(self, cancel_after: int | None = None) -> None:
        self.calls: list[tuple[float, Phase]] = []
        self.cancel_after = cancel_after

    def __call__(self, progress: float, phase: Phase = Phase.RUNNING) -> None:
        self.calls.append((progress, phase))
        if self.cancel_after is not None and len(self.calls) > self.cancel_after:
            raise JobCancelled()


def make_task(**changes: object) -> VideoTask:
    task = VideoTask(
        job_id="job", prompt="a lighthouse in a storm", width=WIDTH, height=HEIGHT, seconds=1
    )
    return dataclasses.replace(task, **changes)


def render(task: VideoTask, workdir: Path) -> list[RenderedVideo]:
    return PreviewVideoProvider().generate_video(task, workdir, RecordingSink())


def frames_of(path: Path) -> list[np.ndarray]:
    return list(iter_frames(path))


def digest(frames: list[np.ndarray]) -> str:
    hasher = hashlib.sha256()
    for frame in frames:
        hasher.update(frame.tobytes())
    return hasher.hexdigest()


def mean_abs_difference(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.abs(first.astype(np.int16) - second.astype(np.int16)).mean())


@pytest.fixture(scope="module")
def source_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s clip to remix, edit and extend."""
    workdir = tmp_path_factory.mktemp("source")
    return render(make_task(prompt="neon city at night", seconds=2), workdir)[0].files[
        AssetVariant.VIDEO
    ]


def test_provider_satisfies_the_contract() -> None:
    provider: VideoProvider = PreviewVideoProvider()
    assert provider.name == "preview"


def test_generate_writes_video_thumbnail_and_spritesheet(tmp_path: Path) -> None:
    (result,) = render(make_task(seconds=2), tmp_path)
    assert result.files[AssetVariant.VIDEO] == tmp_path / "0" / "video.mp4"
    assert (result.index, result.width, result.height, result.seconds) == (0, WIDTH, HEIGHT, 2.0)
    info = probe_video(result.files[AssetVariant.VIDEO])
    assert (info.width, info.height, info.frames, info.duration) == (WIDTH, HEIGHT, 48, 2.0)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    with Image.open(result.files[AssetVariant.THUMBNAIL]) as thumbnail:
        assert thumbnail.format == "WEBP" and thumbnail.size == (WIDTH, HEIGHT)
    layout = SpritesheetLayout.plan(48, 24, WIDTH, HEIGHT)
    with Image.open(result.files[AssetVariant.SPRITESHEET]) as sheet:
        # Frames smaller than a tile are not upscaled: 48 tiles of 128x96 in 10 columns.
        assert sheet.format == "JPEG" and sheet.size == layout.sheet_size == (1280, 480)


def test_same_task_gives_identical_frames_and_bytes(tmp_path: Path) -> None:
    first = render(make_task(), tmp_path / "a")[0].files[AssetVariant.VIDEO]
    second = render(make_task(), tmp_path / "b")[0].files[AssetVariant.VIDEO]
    assert digest(frames_of(first)) == digest(frames_of(second))
    assert first.read_bytes() == second.read_bytes()


def test_frames_move_over_time(tmp_path: Path) -> None:
    frames = frames_of(render(make_task(), tmp_path)[0].files[AssetVariant.VIDEO])
    assert mean_abs_difference(frames[0], frames[-1]) > 2


@pytest.mark.parametrize(
    "change",
    [{"prompt": "a field of sunflowers at noon"}, {"seed": 7}],
    ids=["prompt", "seed"],
)
def test_a_different_request_looks_different(tmp_path: Path, change: dict[str, object]) -> None:
    base = frames_of(render(make_task(), tmp_path / "a")[0].files[AssetVariant.VIDEO])
    other = frames_of(render(make_task(**change), tmp_path / "b")[0].files[AssetVariant.VIDEO])
    assert mean_abs_difference(base[0], other[0]) > 10


def test_variants_differ_from_each_other(tmp_path: Path) -> None:
    results = render(make_task(n_variants=2), tmp_path)
    assert [r.index for r in results] == [0, 1]
    assert [r.files[AssetVariant.VIDEO] for r in results] == [
        tmp_path / "0" / "video.mp4",
        tmp_path / "1" / "video.mp4",
    ]
    first, second = (frames_of(r.files[AssetVariant.VIDEO])[0] for r in results)
    assert mean_abs_difference(first, second) > 10


def test_reference_image_fills_the_first_frame(tmp_path: Path) -> None:
    reference = tmp_path / "reference.png"
    Image.new("RGB", (300, 500), (230, 10, 10)).save(reference)
    (result,) = render(
        make_task(reference_image=reference, width=160, height=240), tmp_path / "out"
    )
    red, green, blue = frames_of(result.files[AssetVariant.VIDEO])[0].reshape(-1, 3).mean(axis=0)
    assert red > 150 and green < 90 and blue < 90


def test_remix_keeps_the_source_composition_with_the_new_palette() -> None:
    size = {"seed": None, "width": 640, "height": 360, "seconds": 4, "fps": 24, "variant": 0}
    source_key = scene_key("neon city at night", **size)
    new_key = scene_key("a quiet forest", **size)
    source = build_scene("neon city at night", palette_key=source_key, layout_key=source_key)
    remix = build_scene("a quiet forest", palette_key=new_key, layout_key=source_key)
    assert remix.shapes == source.shapes and remix.background == source.background
    assert remix.palette != source.palette and remix.caption == "a quiet forest"


def test_remix_renders_at_the_task_size(tmp_path: Path, source_video: Path) -> None:
    task = make_task(
        prompt="a quiet forest",
        seconds=2,
        operation=Operation.REMIX,
        source_video=source_video,
        source_prompt="neon city at night",
    )
    (result,) = render(task, tmp_path)
    remix = frames_of(result.files[AssetVariant.VIDEO])
    assert len(remix) == 48
    assert mean_abs_difference(remix[10], frames_of(source_video)[10]) > 5


@pytest.mark.parametrize("seconds", [1, 3], ids=["cut", "looped"])
def test_edit_output_lasts_the_requested_time(
    tmp_path: Path, source_video: Path, seconds: int
) -> None:
    task = make_task(
        prompt="golden hour", seconds=seconds, operation=Operation.EDIT, source_video=source_video
    )
    (result,) = render(task, tmp_path)
    info = probe_video(result.files[AssetVariant.VIDEO])
    assert (info.frames, info.duration, info.width, info.height) == (
        seconds * 24,
        seconds,
        WIDTH,
        HEIGHT,
    )
    edited, source = frames_of(result.files[AssetVariant.VIDEO]), frames_of(source_video)
    assert mean_abs_difference(edited[5], source[5]) > 8  # visibly treated
    if seconds == 3:  # the 2 s source loops: output frame 48 is source frame 0 again
        assert mean_abs_difference(edited[48], edited[0]) < mean_abs_difference(
            edited[47], edited[0]
        )


def test_edit_scales_a_source_of_another_size(tmp_path: Path, source_video: Path) -> None:
    task = make_task(width=64, height=64, operation=Operation.EDIT, source_video=source_video)
    info = probe_video(render(task, tmp_path)[0].files[AssetVariant.VIDEO])
    assert (info.width, info.height, info.frames) == (64, 64, 24)


def test_extend_starts_with_the_source_and_adds_a_new_segment(
    tmp_path: Path, source_video: Path
) -> None:
    task = make_task(
        prompt="then the storm breaks",
        seconds=3,
        operation=Operation.EXTEND,
        source_video=source_video,
    )
    (result,) = render(task, tmp_path)
    assert result.seconds == 3.0
    info = probe_video(result.files[AssetVariant.VIDEO])
    assert (info.frames, info.duration) == (72, 3.0)
    extended, source = frames_of(result.files[AssetVariant.VIDEO]), frames_of(source_video)
    for index in range(48):  # re-encoded, so close rather than identical
        assert mean_abs_difference(extended[index], source[index]) < 3
    assert mean_abs_difference(extended[-1], source[-1]) > 10
    # The new segment dissolves in: its first frame is still close to the source's last one.
    assert mean_abs_difference(extended[48], source[-1]) < mean_abs_difference(
        extended[-1], source[-1]
    )


def test_extend_refuses_a_total_shorter_than_the_source(tmp_path: Path, source_video: Path) -> None:
    task = make_task(seconds=2, operation=Operation.EXTEND, source_video=source_video)
    with pytest.raises(InvalidMediaError, match="already"):
        render(task, tmp_path)
    assert not list(tmp_path.rglob("*.mp4*"))


def test_edit_without_a_source_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="source video"):
        render(make_task(operation=Operation.EDIT), tmp_path)


def test_progress_is_monotonic_ordered_by_phase_and_reaches_100(tmp_path: Path) -> None:
    sink = RecordingSink()
    PreviewVideoProvider().generate_video(make_task(seconds=2, n_variants=2), tmp_path, sink)
    values = [value for value, _ in sink.calls]
    phases = [phase for _, phase in sink.calls]
    assert values == sorted(values) and values[0] == 0 and values[-1] == 100
    assert all(0 <= value <= 100 for value in values)
    order = [Phase.PREPROCESSING, Phase.RUNNING, Phase.PROCESSING]
    assert [order.index(phase) for phase in phases] == sorted(
        order.index(phase) for phase in phases
    )
    assert set(phases) == set(order)
    # Heartbeats: 2 variants x 48 frames, reported at least every 6 frames.
    assert phases.count(Phase.RUNNING) >= 2 * 48 // 6


@pytest.mark.parametrize("cancel_after", [1, 12], ids=["first-variant", "second-variant"])
def test_cancellation_stops_the_render_and_leaves_no_video(
    tmp_path: Path, cancel_after: int
) -> None:
    sink = RecordingSink(cancel_after=cancel_after)
    with pytest.raises(JobCancelled):
        PreviewVideoProvider().generate_video(make_task(seconds=2, n_variants=2), tmp_path, sink)
    assert len(sink.calls) == cancel_after + 1  # nothing ran on after the sink refused
    leftovers = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert leftovers == []


def test_long_captions_are_wrapped_and_end_in_an_ellipsis() -> None:
    font = ImageFont.load_default(size=20)
    lines = wrap_caption("word " * 200 + "supercalifragilistic" * 10, font.getlength, 300)
    assert len(lines) == MAX_CAPTION_LINES
    assert lines[-1].endswith("…")
    assert all(font.getlength(line) <= 300 for line in lines)


def test_unbreakable_words_are_split_to_fit() -> None:
    font = ImageFont.load_default(size=20)
    lines = wrap_caption("x" * 60, font.getlength, 200)
    assert len(lines) >= 2 and all(font.getlength(line) <= 200 for line in lines)


def test_scene_derivation_is_pinned() -> None:
    """Changing how scenes are derived changes every existing preview; do it on purpose only."""
    key = scene_key(
        "a lighthouse in a storm", seed=None, width=1280, height=720, seconds=4, fps=24, variant=0
    )
    scene = build_scene("a lighthouse in a storm", palette_key=key, layout_key=key)
    assert key.hex()[:16] == PINNED_KEY_PREFIX
    assert (scene.background.value, len(scene.shapes), scene.palette.accents[0]) == PINNED_SCENE


@pytest.mark.slow
def test_full_size_portrait_clip(tmp_path: Path) -> None:
    (result,) = render(make_task(width=720, height=1280, seconds=4), tmp_path)
    info = probe_video(result.files[AssetVariant.VIDEO])
    assert (info.width, info.height, info.frames, info.duration) == (720, 1280, 96, 4.0)
    with av.open(str(result.files[AssetVariant.VIDEO])) as container:
        assert sum(1 for _ in container.decode(video=0)) == 96


PINNED_KEY_PREFIX = "5c71ff72bc4e5dd4"
PINNED_SCENE = ("waves", 4, (238, 129, 203))
