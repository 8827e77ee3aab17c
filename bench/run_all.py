"""`make bench`: every benchmark in turn, then one table of their headline figures.

    .venv/bin/python bench/run_all.py [--only polling,gateway] [--markdown results.md]

Each benchmark runs as a child process and prints its own detailed tables as it goes; its
headline rows (figure, baseline from the same run, ratio, target, verdict) land in one results
file, printed at the end with the machine, the versions and the load average. A benchmark that
cannot run here says SKIPPED in the table; one that crashes says FAILED.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from common import RESULTS_ENV, Row, markdown_table, read_rows, record, skipped

HERE = Path(__file__).parent
BENCHES = {
    "polling": "bench_polling.py",
    "gateway": "bench_gateway.py",
    "download": "bench_download.py",
    "memory": "bench_sse_memory.py",
    "preview": "bench_preview_job.py",
    "startup": "bench_startup.py",
    "scale": "bench_scale.py",
    "local": "bench_local.py",
}
PACKAGES = ("uvicorn", "starlette", "fastapi", "sqlalchemy", "pydantic", "av", "numpy")


def tool_version(command: list[str], pattern: str) -> str | None:
    if shutil.which(command[0]) is None and not Path(command[0]).exists():
        return None
    done = subprocess.run(command, capture_output=True, text=True)
    found = re.search(pattern, done.stdout + done.stderr)
    return found.group(1) if found else "?"


def machine() -> list[str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "?",
    )  # fmt: skip
    kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in PACKAGES)
    tools = {
        "wrk": tool_version(["wrk", "--version"], r"wrk (\S+)"),
        "nginx": tool_version(["/usr/sbin/nginx", "-v"], r"nginx/([\d.]+)"),
        "ffmpeg": tool_version(["ffmpeg", "-version"], r"ffmpeg version (\S+)"),
    }
    return [
        f"{cpu}, {os.cpu_count()} CPUs, {kib / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, reelgate {metadata.version('reelgate')}; {versions}",
        "tools: " + ", ".join(f"{name} {version or 'missing'}" for name, version in tools.items()),
    ]


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run(name: str, script: str) -> float:
    started = time.perf_counter()
    if name == "scale" and not (
        os.environ.get("REELGATE_BENCH_DATABASE_URL")
        or os.environ.get("REELGATE_TEST_DATABASE_URL")
    ):
        skipped("scale", "worker scaling and query latency", "set REELGATE_BENCH_DATABASE_URL")
        return 0.0
    print(f"\n=== {name}: {script}", flush=True)
    done = subprocess.run([sys.executable, str(HERE / script)], cwd=HERE.parent)
    if done.returncode != 0:
        print(f"!! {name} FAILED (exit {done.returncode})", file=sys.stderr)
        record(Row(name, script, "FAILED", target=f"exit {done.returncode}", verdict="FAILED"))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="comma-separated: " + ",".join(BENCHES))
    parser.add_argument("--markdown", type=Path, help="also write the final table here")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(BENCHES)
    results = Path(tempfile.mkstemp(prefix="reelgate-bench-", suffix=".jsonl")[1])
    os.environ[RESULTS_ENV] = str(results)
    started, load_before = time.perf_counter(), load_average()
    timings = {name: run(name, BENCHES[name]) for name in chosen}
    elapsed = time.perf_counter() - started
    lines = [
        *machine(),
        f"load average (1/5/15 min) {load_before} before, {load_average()} after; "
        f"{elapsed / 60:.1f} min in all ("
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())
        + ")",
        "",
        markdown_table(
            ("bench", "measure", "reelgate", "baseline (same run)", "ratio", "target", "verdict"),
            [
                (r.bench, r.measure, r.value, r.baseline, r.ratio, r.target, r.verdict)
                for r in read_rows(results)
            ],
        ),
    ]
    results.unlink()
    text = "\n".join(lines)
    print("\n" + text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
