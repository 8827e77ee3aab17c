"""A whole preview job through the API, against the ffmpeg CLI encoding the same frames.

    python bench/bench_preview_job.py      # needs ffmpeg (Debian: apt-get install ffmpeg)

reelgate's side: `POST /v1/videos` to a server with one worker, until the job is completed with
every asset stored (the MP4, its half-size copy, both thumbnails and the spritesheet, hashed and
moved into storage), timed by the client from the request to the completed answer (the poll
loop asks every 10 ms). The baseline: the `ffmpeg` CLI encoding the very frames the job draws,
read as raw RGB from memory (tmpfs), to one MP4 with the same size, frame count and x264
settings (preset, CRF, 2 threads, BT.709 limited range, yuv420p, faststart). The two alternate
for ROUNDS rounds; the row shows the median of the per-round ratios, with min and max (target:
the job within 1.3x of the CLI's encode).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench_preview import PROMPT, make_renderer, time_ffmpeg_encode
from common import Row, alternate, free_port, record, reelgate_command, running, scratch, skipped

ROUNDS = 5
TARGET = 1.3
FPS = 24  # the preview's frame rate (bench_preview.make_renderer's)
CLIPS = ((1280, 720, 4), (720, 1280, 8))


def job_seconds(base: str, width: int, height: int, seconds: int) -> float:
    body = {"prompt": PROMPT, "size": f"{width}x{height}", "seconds": str(seconds)}
    with httpx.Client(base_url=base, timeout=60) as http:
        started = time.perf_counter()
        created = http.post("/v1/videos", json=body)
        created.raise_for_status()
        video = created.json()
        while video["status"] not in ("completed", "failed"):
            time.sleep(0.01)
            video = http.get(f"/v1/videos/{video['id']}").json()
        elapsed = time.perf_counter() - started
        if video["status"] != "completed":
            raise RuntimeError(f"the job failed: {video.get('error')}")
        http.delete(f"/v1/videos/{video['id']}")  # keeps the data directory small
    return elapsed


def raw_frames(path: Path, width: int, height: int, seconds: int) -> None:
    """The frames the job draws (same prompt, size and length), as raw RGB, for the CLI."""
    renderer = make_renderer(width, height, seconds)
    with path.open("wb") as out:
        for index in range(renderer.frames):
            out.write(renderer.render(index).tobytes())


def cli_seconds(frames: Path, width: int, height: int, out: Path) -> float:
    raw = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(FPS)]
    return time_ffmpeg_encode([*raw, "-i", str(frames)], out)


def main() -> None:
    if shutil.which("ffmpeg") is None:
        skipped("preview", "a whole job against the ffmpeg CLI", "needs ffmpeg")
        return
    memory = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"a whole preview job (create -> completed) against the ffmpeg CLI, {ROUNDS} "
          f"alternating rounds, {os.cpu_count()} CPUs")  # fmt: skip
    with (
        scratch("reelgate-job-") as data,
        running(reelgate_command(port, data, workers=1), f"{base}/healthz"),
        tempfile.TemporaryDirectory(dir=memory) as frames_dir,
    ):
        job_seconds(base, 720, 1280, 4)  # warm-up: imports, fonts, the encoder
        for width, height, seconds in CLIPS:
            frames = Path(frames_dir) / "frames.rgb"
            raw_frames(frames, width, height, seconds)
            out = Path(frames_dir) / "cli.mp4"
            comparison, clis, jobs = alternate(
                ROUNDS,
                lambda: cli_seconds(frames, width, height, out),  # noqa: B023
                lambda: job_seconds(base, width, height, seconds),  # noqa: B023
                lambda job, cli: job / cli,
            )
            frames.unlink()
            clip = f"{width}x{height} {seconds}s ({seconds * FPS} frames)"
            job_median, cli_median = sorted(jobs)[len(jobs) // 2], sorted(clis)[len(clis) // 2]
            print(f"{clip}: job {job_median:.2f} s, ffmpeg CLI {cli_median:.2f} s, "
                  f"ratio per round {' '.join(f'{r:.2f}' for r in comparison.ratios)}")  # fmt: skip
            record(
                Row(
                    "preview",
                    f"{clip}: whole job through the API, s",
                    f"{job_median:.2f}",
                    f"ffmpeg CLI encode {cli_median:.2f}",
                    comparison.summary(),
                    f"<= {TARGET}x the CLI",
                    comparison.verdict(lambda median: median <= TARGET),
                )
            )


if __name__ == "__main__":
    sys.exit(main())
