"""Cold start: how long `reelgate serve` takes from the command to its first answer, against a
bare uvicorn app (`bare_status_app.py`) started the same way, in alternating rounds.

    python bench/bench_startup.py

Two cases: a first start (an empty data directory: the SQLite file is created and migrated)
and a restart on that directory (the usual case). The target is absolute: a restart answers
within 1.5 s; the bare app's figure says how much of that the interpreter and uvicorn take.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from common import QUIET, Row, alternate, free_port, markdown_table, record, scratch, verdict

ROUNDS = 5
TARGET_S = 1.5
HERE = Path(__file__).parent


def seconds_to_answer(
    command: list[str], url_of: Callable[[int], str], env: dict[str, str]
) -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--port", str(port)], cwd=HERE, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = started + 60
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{command[2]} exited with {process.returncode}")
            try:
                httpx.get(url_of(port), timeout=1)
                return time.perf_counter() - started
            except httpx.TransportError:
                time.sleep(0.005)
        raise RuntimeError(f"{command[2]} did not answer in 60 s")
    finally:
        process.terminate()
        process.wait(15)


def main() -> None:
    bare = [sys.executable, "-m", "uvicorn", "bare_status_app:app", *QUIET]
    bare_env = {"BARE_BODY": "{}", "PYTHONPATH": str(HERE)}

    def bare_start() -> float:
        return seconds_to_answer(
            bare, lambda port: f"http://127.0.0.1:{port}/v1/videos/x", bare_env
        )

    results: dict[str, tuple[list[float], list[float]]] = {}
    with scratch("reelgate-start-") as root:
        counter = iter(range(1000))

        def reelgate_start(data: Path) -> float:
            command = [sys.executable, "-m", "reelgate", "serve", "--host", "127.0.0.1",
                       "--data-dir", str(data), *QUIET]  # fmt: skip
            return seconds_to_answer(command, lambda port: f"http://127.0.0.1:{port}/healthz", {})

        def first_start() -> float:
            return reelgate_start(root / f"fresh-{next(counter)}")

        kept = root / "kept"
        reelgate_start(kept)  # created and migrated once; every round below restarts on it

        for case, start in (
            ("first start", first_start),
            ("restart", lambda: reelgate_start(kept)),
        ):
            _, bares, ours = alternate(ROUNDS, bare_start, start, lambda a, b: a / b)
            results[case] = (bares, ours)

    print(f"start to first answer, {ROUNDS} alternating rounds, {os.cpu_count()} CPUs")
    rows = []
    for case, (bares, ours) in results.items():
        ours_median, bare_median = statistics.median(ours), statistics.median(bares)
        rows.append((case, f"{ours_median:.2f}", f"{min(ours):.2f}-{max(ours):.2f}",
                     f"{bare_median:.2f}"))  # fmt: skip
        met = ours_median <= TARGET_S if case == "restart" else None
        record(
            Row(
                "startup",
                f"reelgate serve, {case}: seconds to first answer",
                f"{ours_median:.2f} ({min(ours):.2f}-{max(ours):.2f})",
                f"bare uvicorn app {bare_median:.2f}",
                "",
                f"<= {TARGET_S} s" if met is not None else "",
                verdict(met) if met is not None else "",
            )
        )
    print(markdown_table(("case", "reelgate s (median)", "min-max", "bare uvicorn s"), rows))


if __name__ == "__main__":
    main()
