"""How fast the preview engine renders and encodes, and which of the two dominates.

Run: python bench/bench_preview.py   (with reelgate importable, e.g. PYTHONPATH=src)

For each clip it times rendering alone, encoding alone (of frames rendered to memory first), and
the real pipeline (render and encode frame by frame, as the provider does). A ratio of
render+encode to encode-only near 1 means the renderer costs little next to x264.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import PIL

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


def main() -> None:
    print(
        f"python {platform.python_version()}, av {av.__version__}, numpy {np.__version__}, "
        f"pillow {PIL.__version__}, {os.cpu_count()} CPUs, libx264 preset={DEFAULT_PRESET} "
        f"crf={DEFAULT_CRF} threads={ENCODER_THREADS}, best of {REPEATS} runs"
    )
    header = ("clip", "frames", "render+encode s", "encode-only s", "render-only s", "ratio", "MB")
    rows = [header]
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
            rows.append(
                (
                    f"{width}x{height} {seconds}s",
                    str(seconds * FPS),
                    f"{pipeline:.2f}",
                    f"{encode_only:.2f}",
                    f"{render_only:.2f}",
                    f"{pipeline / encode_only:.2f}",
                    f"{size_mb:.2f}",
                )
            )
        print_table(rows)
        print()
        presets = [("preset (720x1280 4s)", "render+encode s", "MB")]
        for preset in PRESETS:
            path = Path(scratch) / f"{preset}.mp4"
            elapsed = min(time_pipeline(720, 1280, 4, path, preset) for _ in range(REPEATS))
            presets.append((preset, f"{elapsed:.2f}", f"{path.stat().st_size / 1e6:.2f}"))
        print_table(presets)


def print_table(rows: list[tuple[str, ...]]) -> None:
    """A Markdown table, so results paste straight into docs/benchmarks.md."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for number, row in enumerate(rows):
        cells = " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print(f"| {cells} |")
        if number == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")


if __name__ == "__main__":
    main()
