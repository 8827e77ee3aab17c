"""The tests' fake OpenAI Videos API (tests/fakes/openai_videos.py) in a process of its own, so a
benchmark's client never shares an interpreter (and its GIL) with the server it measures.

    python bench/fake_upstream.py --port 8100 [--duration 3600] [--video file.mp4]

`--duration`: seconds from a video's creation to its completion. `--video`: the MP4 served as
every video's content (default: the tests' small sample).
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.openai_videos import FakeOpenAI

KEY = "bench-upstream-key"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--duration", type=float, default=3600.0)
    parser.add_argument("--video", type=Path)
    args = parser.parse_args()
    fake = FakeOpenAI(key=KEY, duration=args.duration)
    fake.port = args.port
    if args.video is not None:
        fake.media = dataclasses.replace(fake.media, video=args.video.read_bytes())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with fake:
        stop.wait()


if __name__ == "__main__":
    main()
