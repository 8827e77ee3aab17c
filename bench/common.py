"""What the benchmarks share: servers on loopback, wrk, RSS, and the one table of `make bench`.

Each benchmark prints its own figures and also `record`s its headline rows into the file named by
REELGATE_BENCH_RESULTS (JSON lines), which `run_all.py` sets and prints as one table at the end.
Run alone, a benchmark just prints.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"  # inputs made once and kept (gitignored)
RESULTS_ENV = "REELGATE_BENCH_RESULTS"
QUIET = ["--no-access-log", "--log-level", "warning"]


# -- the one table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    bench: str  # which benchmark (polling, gateway, download, preview, memory, scale)
    measure: str  # what was measured, and how
    value: str  # reelgate's figure
    baseline: str = ""  # the baseline's figure, run on the same machine in the same run
    ratio: str = ""  # value against baseline, in the sense of the target
    target: str = ""  # the target, in words
    verdict: str = ""  # met | missed | SKIPPED | FAILED | "" (no target)


def record(row: Row) -> None:
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as results:
            results.write(json.dumps(asdict(row)) + "\n")


def verdict(met: bool) -> str:
    return "met" if met else "missed"


# -- A against B, alternating ----------------------------------------------------------------

# A run whose per-round ratios spread wider than this (max / min) gives no verdict: the machine
# was too busy for the figures to mean anything.
NOISY_SPREAD = 1.35

T = TypeVar("T")


@dataclass(frozen=True)
class Comparison:
    """Per-round ratios of a candidate against its baseline, both run in every round."""

    ratios: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> float:
        return max(self.ratios) / min(self.ratios) if min(self.ratios) > 0 else math.inf

    def summary(self, digits: int = 2) -> str:
        """`median (min-max)`, as the table shows it."""
        low, high = min(self.ratios), max(self.ratios)
        return f"{self.median:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"

    def verdict(self, met: Callable[[float], bool]) -> str:
        """met / missed on the median, or `noisy` when the rounds disagree too much."""
        if self.spread > NOISY_SPREAD:
            return f"noisy (spread {self.spread:.2f}x)"
        return verdict(met(self.median))


def alternate(
    rounds: int,
    baseline: Callable[[], T],
    candidate: Callable[[], T],
    ratio: Callable[[T, T], float],
) -> tuple[Comparison, list[T], list[T]]:
    """Run both `rounds` times, swapping which goes first each round (so a drift of the machine
    weighs on both alike); the ratio of each round, and every measurement of each side."""
    baselines: list[T] = []
    candidates: list[T] = []
    for number in range(rounds):
        if number % 2 == 0:
            baselines.append(baseline())
            candidates.append(candidate())
        else:
            candidates.append(candidate())
            baselines.append(baseline())
    ratios = tuple(ratio(c, b) for c, b in zip(candidates, baselines, strict=True))
    return Comparison(ratios), baselines, candidates


def skipped(bench: str, measure: str, reason: str) -> None:
    """Say it loudly, and put it in the table: a missing tool must never look like a pass."""
    print(f"!! {bench}: {measure} SKIPPED: {reason}", file=sys.stderr)
    record(Row(bench, measure, "SKIPPED", target=reason, verdict="SKIPPED"))


def read_rows(path: Path) -> list[Row]:
    if not path.exists():
        return []
    return [Row(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with aligned columns, so results paste straight into the docs."""
    table = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    lines = []
    for number, row in enumerate(table):
        cells = " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append(f"| {cells} |")
        if number == 0:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


# -- processes on loopback -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(
    url: str, timeout: float = 60.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process behind {url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


@contextlib.contextmanager
def running(
    command: Sequence[str],
    ready_url: str,
    *,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, until the block ends; its output goes to `log` (or nowhere)."""
    out = log.open("ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        list(command), stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    try:
        wait_ready(ready_url, process=process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            out.close()  # type: ignore[union-attr]


def reelgate_command(port: int, data_dir: Path, *extra: str, workers: int = 0) -> list[str]:
    return [
        sys.executable, "-m", "reelgate", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--data-dir", str(data_dir), "--workers", str(workers), *QUIET, *extra,
    ]  # fmt: skip


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


# -- wrk -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    rate: float  # requests per second
    p50: float  # milliseconds
    p99: float
    errors: int  # non-2xx/3xx answers and socket errors
    requests: int


def wrk(
    url: str,
    *,
    seconds: int = 8,
    connections: int = 32,
    threads: int = 2,
    script: str | None = None,
) -> Load:
    """One wrk run with latency percentiles (`script`: Lua, e.g. to POST)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s"]  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script is not None:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def millis(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(n) for n in found.groups())
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Load(rate, millis("50"), millis("99"), errors, requests)


def post_script(body: str, headers: dict[str, str]) -> str:
    """A wrk Lua script that POSTs `body` with `headers`."""
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    return "\n".join(lines) + "\n"


def has_wrk(bench: str, measure: str) -> bool:
    if shutil.which("wrk"):
        return True
    skipped(bench, measure, "needs wrk (Debian: apt-get install wrk)")
    return False
