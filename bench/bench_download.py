"""Content download: a 200 MiB MP4 to 8 concurrent clients, whole and in ranges, from reelgate
(`GET /v1/videos/{id}/content`) and from nginx serving the very same stored file.

    python bench/bench_download.py       # needs wrk and nginx (Debian: apt-get install nginx-light)

The MP4 (H.264 of noise, so it does not compress) is made once with PyAV and kept in
bench/.cache/. It reaches reelgate the way real media does: the tests' fake OpenAI upstream
serves it as a finished video, reelgate's `openai` provider fetches and stores it. nginx then
serves reelgate's stored copy (one worker process, sendfile on, access log off), so both read
the same file from the same disk. Clients: wrk with 8 connections; ranged requests ask for 1 MiB
at a random offset. The two servers take turns, three runs each per kind, and the median counts.
reelgate's RSS is sampled during the runs (target: flat memory).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import av
import httpx
import numpy as np

from common import (
    CACHE,
    ROOT,
    Row,
    free_port,
    has_wrk,
    markdown_table,
    record,
    reelgate_command,
    rss_mib,
    running,
    scratch,
    skipped,
    verdict,
)
from fake_upstream import KEY

MIB = 1024 * 1024
SIZE = 200 * MIB
VIDEO = CACHE / "download-200mib.mp4"
CLIENTS = 8
SECONDS = 5
ROUNDS = 3  # per server and kind; the median counts
RANGE = MIB
TARGET = 0.8
FLAT_MIB = 32  # "flat": RSS grows by less than this while serving 8 x 200 MiB


def make_video(path: Path) -> None:
    """720x1280 H.264 frames of noise (near-lossless, ~1.4 MB each) until the file is 200 MiB."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.mp4")
    rng = np.random.default_rng(7)
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 720, 1280, "yuv420p"
        stream.options = {"preset": "ultrafast", "qp": "8"}
        written = 0
        while written < SIZE:
            noise = rng.integers(0, 256, (1280, 720, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(noise, format="rgb24")):
                written += packet.size
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    partial.rename(path)


def transfer_mib(out: str) -> float:
    value, unit = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"B": 1 / MIB, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}[unit]


def load(url: str, size: int, ranged: bool) -> float:
    """MiB/s of 8 clients fetching `url`, whole or 1 MiB at random offsets."""
    script = ""
    if ranged:
        script = textwrap.dedent(
            f"""\
            math.randomseed({random.randrange(1 << 30)})
            request = function()
              local start = math.random(0, {size - RANGE})
              local range = "bytes=" .. start .. "-" .. (start + {RANGE - 1})
              return wrk.format(nil, nil, {{Range = range}})
            end
            """
        )
    lua = CACHE / "range.lua"
    lua.write_text(script)
    command = [
        "wrk",
        "-t2",
        f"-c{CLIENTS}",
        f"-d{SECONDS}s",
        "--timeout",
        "60s",
        "-s",
        str(lua),
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"failed requests from {url}:\n{out}")
    return transfer_mib(out)


class RssSampler:
    """The peak RSS of a process while the block runs (sampled every 0.1 s)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before = rss_mib(pid)
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, rss_mib(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def stored_video(video_id: str, base: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{base}/v1/videos/{video_id}").json()
        if job["status"] == "completed":
            return
        if job["status"] == "failed":
            raise RuntimeError(f"the download video failed: {job['error']}")
        time.sleep(0.5)
    raise RuntimeError("the download video was not stored in time")


def nginx_config(folder: Path, port: int, root: Path) -> Path:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the data directory
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"  {kind}_temp_path {folder / kind};" for kind in kinds)
    path = folder / "nginx.conf"
    path.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'nginx-error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n"
        "  types { video/mp4 mp4; }\n  default_type application/octet-stream;\n"
        f"{temp}\n  server {{ listen 127.0.0.1:{port}; root {root}; }}\n}}\n"
    )
    return path


def main() -> None:
    if not has_wrk("download", "200 MiB MP4 to 8 clients vs nginx"):
        return
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        skipped(
            "download",
            "200 MiB MP4 to 8 clients vs nginx",
            "needs nginx (apt-get install nginx-light)",
        )
        return
    if not VIDEO.exists():
        print(f"making {VIDEO} (once)", file=sys.stderr)
        make_video(VIDEO)
    size = VIDEO.stat().st_size
    up_port, rg_port, nx_port = free_port(), free_port(), free_port()
    upstream, base = f"http://127.0.0.1:{up_port}", f"http://127.0.0.1:{rg_port}"
    results: dict[str, dict[str, float]] = {"reelgate": {}, "nginx": {}}
    with scratch("reelgate-download-") as folder:
        os.chmod(folder, 0o755)
        routing = folder / "models.yaml"
        routing.write_text(
            f"providers:\n  upstream: {{type: openai, base_url: {upstream}/v1, api_key_env: "
            f"BENCH_UPSTREAM_KEY}}\nmodels:\n  sora-2: {{provider: upstream}}\n"
        )
        fake = [sys.executable, str(ROOT / "bench" / "fake_upstream.py"), "--port", str(up_port),
                "--duration", "0", "--video", str(VIDEO)]  # fmt: skip
        data = folder / "data"
        command = reelgate_command(rg_port, data, "--models", str(routing), workers=1)
        with (
            running(fake, f"{upstream}/v1/videos/none"),
            running(command, f"{base}/healthz", env={"BENCH_UPSTREAM_KEY": KEY}) as server,
        ):
            video_id = httpx.post(
                f"{base}/v1/videos", json={"model": "sora-2", "prompt": "big"}
            ).json()["id"]
            stored_video(video_id, base)
            stored = next(p for p in data.rglob("*") if p.is_file() and p.stat().st_size == size)
            urls = {
                "reelgate": f"{base}/v1/videos/{video_id}/content",
                "nginx": f"http://127.0.0.1:{nx_port}/{stored.relative_to(data)}",
            }
            conf = nginx_config(folder, nx_port, data)
            with (
                running([nginx, "-c", str(conf), "-p", str(folder)], urls["nginx"]),
                RssSampler(server.pid) as rss,
            ):
                for kind in ("whole", "ranged"):
                    rounds = alternating_rounds(urls, size, kind == "ranged")
                    for name, runs in rounds.items():
                        results[name][kind] = statistics.median(runs)
                        print(f"{name} {kind}: " + ", ".join(f"{mib:,.0f}" for mib in runs)
                              + " MiB/s", file=sys.stderr)  # fmt: skip
    report(results, size, rss)


def alternating_rounds(urls: dict[str, str], size: int, ranged: bool) -> dict[str, list[float]]:
    """MiB/s of each server in `ROUNDS` runs taken in turns (the first to go changes every
    round), so that a moment of load from elsewhere on the machine lands on both alike."""
    runs: dict[str, list[float]] = {name: [] for name in urls}
    names = list(urls)
    for turn in range(ROUNDS):
        for name in names[turn % 2 :] + names[: turn % 2]:
            runs[name].append(load(urls[name], size, ranged))
    return runs


def report(results: dict[str, dict[str, float]], size: int, rss: RssSampler) -> None:
    print(f"{size / MIB:.0f} MiB MP4, wrk -t2 -c{CLIENTS} -d{SECONDS}s, median of {ROUNDS} rounds")
    print(f"ranged: {RANGE // MIB} MiB at random offsets")
    rows = [
        (server, kind, f"{mib:,.0f}", f"{mib * MIB / (RANGE if kind == 'ranged' else size):,.1f}")
        for server, kinds in results.items()
        for kind, mib in kinds.items()
    ]
    print(markdown_table(("server", "requests", "MiB/s", "requests/s"), rows))
    growth = rss.peak - rss.before
    print(
        f"reelgate RSS: {rss.before:.0f} MiB before, {rss.peak:.0f} MiB at the peak (+{growth:.0f})"
    )
    for kind in ("whole", "ranged"):
        ours, theirs = results["reelgate"][kind], results["nginx"][kind]
        record(Row("download", f"200 MiB MP4, {CLIENTS} clients, {kind}: MiB/s",
                   f"{ours:,.0f}", f"nginx {theirs:,.0f}", f"{ours / theirs:.2f}",
                   f">= {TARGET} of nginx", verdict(ours / theirs >= TARGET)))  # fmt: skip
    record(Row("download", "reelgate RSS while serving: before -> peak, MiB",
               f"{rss.before:.0f} -> {rss.peak:.0f}", "", f"+{growth:.0f} MiB",
               f"flat (< +{FLAT_MIB} MiB)", verdict(growth < FLAT_MIB)))  # fmt: skip


if __name__ == "__main__":
    main()
