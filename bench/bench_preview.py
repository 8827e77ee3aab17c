"""How fast the preview engine renders and encodes, and which of the two dominates.

Run: python bench/bench_preview.py   (with reelgate importable, e.g. PYTHONPATH=src)

For each clip it times rendering alone, encoding alone (of frames rendered to memory first), and
the real pipeline (render and encode frame by frame, as the provider does). A ratio of
render+encode to encode-only near 1 means the renderer costs little next to x264. It prints
detail only: the headline row of `make bench` is a whole job through the API against the ffmpeg
CLI (`bench_preview_job.py`). The `ffmpeg` CLI, when installed, encodes its built-in test
source (`testsrc2`, drawn as RGB like the preview's frames) of the same size and length with
the same settings: libx264, the same preset and CRF, 2 threads, BT.709 limited range, yuv420p,
faststart.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import PIL

from common import markdown_table, skipped
from reelgate.media.encode import DEFAULT_CRF, DEFAULT_PRESET, ENCODER_THREADS, Mp4Writer
from reelgate.providers.preview.render import SceneRenderer
from reelgate.providers.preview.scenes import build_scene, scene_key

CLIPS = ((720, 1280, 4), (1920, 1080, 10))
PRESETS = ("ultrafast", "superfast", "veryfast")
FPS = 24
# Each time is the best of this many runs: the least disturbed by other work on the machine.
REPEATS = 3
PROMPT = "A calico cat playing a grand piano on a dim stage, warm spotlights, slow dolly in"


def make_renderer(width: int, height: int, seconds: int) -> SceneRenderer:
    key = scene_key(
        PROMPT, seed=None, width=width, height=height, seconds=seconds, fps=FPS, variant=0
    )
    scene = build_scene(PROMPT, palette_key=key, layout_key=key)
    return SceneRenderer(scene, width, height, FPS, seconds * FPS)


def time_render(width: int, height: int, seconds: int) -> float:
    start = time.perf_counter()
    renderer = make_renderer(width, height, seconds)
    for index in range(renderer.frames):
        renderer.render(index)
    return time.perf_counter() - start


def time_encode(frames: list[np.ndarray], path: Path) -> float:
    height, width = frames[0].shape[:2]
    start = time.perf_counter()
    with Mp4Writer(path, width, height, FPS) as writer:
        for frame in frames:
            writer.write(frame)
    return time.perf_counter() - start


def time_pipeline(
    width: int, height: int, seconds: int, path: Path, preset: str = DEFAULT_PRESET
) -> float:
    start = time.perf_counter()
    renderer = make_renderer(width, height, seconds)
    with Mp4Writer(path, width, height, FPS, preset=preset) as writer:
        for index in range(renderer.frames):
            writer.write(renderer.render(index))
    return time.perf_counter() - start


def time_ffmpeg_encode(inputs: list[str], path: Path) -> float:
    """Seconds for the ffmpeg CLI to encode `inputs` (its input options) to `path` with the
    preview's settings: libx264, preset, CRF, 2 threads, BT.709 limited range, faststart."""
    command = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *inputs,
        "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
        "-c:v", "libx264", "-preset", DEFAULT_PRESET, "-crf", str(DEFAULT_CRF),
        "-threads", str(ENCODER_THREADS), "-colorspace", "bt709", "-color_primaries", "bt709",
        "-color_trc", "bt709", "-color_range", "tv", "-movflags", "+faststart", str(path),
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


def time_ffmpeg(width: int, height: int, seconds: int, path: Path) -> float:
    """The ffmpeg CLI encoding its test source as RGB frames, with the preview's settings."""
    source = f"testsrc2=size={width}x{height}:rate={FPS}:duration={seconds},format=rgb24"
    return time_ffmpeg_encode(["-f", "lavfi", "-i", source], path)


def ffmpeg_version() -> str:
    out = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout
    found = re.search(r"ffmpeg version (\S+)", out)
    return found.group(1) if found else "?"


def main() -> None:
    has_ffmpeg = shutil.which("ffmpeg") is not None
    print(
        f"python {platform.python_version()}, av {av.__version__}, numpy {np.__version__}, "
        f"pillow {PIL.__version__}, {os.cpu_count()} CPUs, libx264 preset={DEFAULT_PRESET} "
        f"crf={DEFAULT_CRF} threads={ENCODER_THREADS}, best of {REPEATS} runs"
        + (f"; ffmpeg CLI {ffmpeg_version()}" if has_ffmpeg else "")
    )
    if not has_ffmpeg:
        skipped("preview", "ffmpeg CLI encoding testsrc2", "needs ffmpeg (apt-get install ffmpeg)")
    header = ("clip", "frames", "render+encode s", "encode-only s", "render-only s", "ratio",
              "ffmpeg CLI s", "MB")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        time_pipeline(320, 240, 1, Path(scratch) / "warmup.mp4")  # imports, fonts, encoder
        for width, height, seconds in CLIPS:
            path = Path(scratch) / f"{width}x{height}.mp4"
            pipeline = min(time_pipeline(width, height, seconds, path) for _ in range(REPEATS))
            size_mb = path.stat().st_size / 1e6
            render_only = min(time_render(width, height, seconds) for _ in range(REPEATS))
            renderer = make_renderer(width, height, seconds)
            frames = [renderer.render(index) for index in range(renderer.frames)]
            encode_only = min(time_encode(frames, path) for _ in range(REPEATS))
            del frames
            ffmpeg = None
            if has_ffmpeg:
                cli = Path(scratch) / f"ffmpeg-{width}x{height}.mp4"
                ffmpeg = min(time_ffmpeg(width, height, seconds, cli) for _ in range(REPEATS))
            ratio = pipeline / encode_only
            clip = f"{width}x{height} {seconds}s"
            rows.append(
                (
                    clip,
                    str(seconds * FPS),
                    f"{pipeline:.2f}",
                    f"{encode_only:.2f}",
                    f"{render_only:.2f}",
                    f"{ratio:.2f}",
                    f"{ffmpeg:.2f}" if ffmpeg is not None else "-",
                    f"{size_mb:.2f}",
                )
            )
        print(markdown_table(header, rows))
        print()
        presets = []
        for preset in PRESETS:
            path = Path(scratch) / f"{preset}.mp4"
            elapsed = min(time_pipeline(720, 1280, 4, path, preset) for _ in range(REPEATS))
            presets.append((preset, f"{elapsed:.2f}", f"{path.stat().st_size / 1e6:.2f}"))
        print(markdown_table(("preset (720x1280 4s)", "render+encode s", "MB"), presets))


if __name__ == "__main__":
    main()
