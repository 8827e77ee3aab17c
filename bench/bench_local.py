"""What reelgate adds to a local model's job: a video made through reelgate (HTTP, queue, the
pipeline's step hooks, encoding to MP4 with its thumbnails and low copy, storage) against a bare
`pipe(...)` call of the same saved pipeline with the same settings, in the same run.

Run: python bench/bench_local.py                       (tiny random-weight Wan on the CPU)
     python bench/bench_local.py --family wan --weights /models/wan-1.3b --device cuda \
         --size 832x480 --seconds 5 --steps 30         (a real model, weights already on disk)

Needs `pip install 'reelgate[local]'`. Rounds alternate A (reelgate) and B (bare), after one
warm-up of each (the first loads the weights); the row is the median of the per-round ratios
A/B, with min and max. Target: reelgate's overhead under 3% of wall time (ratio <= 1.03). On the
tiny pipelines a step takes milliseconds, so the fixed costs of a job (encoding, polling, the
database) weigh far more than they do next to a real model's minutes of denoising.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from common import QUIET, ROOT, Row, free_port, record, running, scratch, skipped, verdict

TARGET = 1.03
BENCH = "local"
PROMPT = "A paper boat on a river at dawn"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", default="wan", choices=["wan", "ltx"])
    parser.add_argument("--weights", type=Path, help="a saved pipeline (default: a tiny one)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--size", default="256x256")
    parser.add_argument("--seconds", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def _weights(arguments: argparse.Namespace, folder: Path) -> Path:
    if arguments.weights is not None:
        if not (arguments.weights / "model_index.json").is_file():
            sys.exit(
                f"{arguments.weights} is no saved pipeline (no model_index.json): download the "
                "weights first, e.g. `huggingface-cli download Wan-AI/Wan2.1-T2V-1.3B-Diffusers "
                "--local-dir DIR`, and pass --weights DIR"
            )
        return arguments.weights
    sys.path.insert(0, str(ROOT))
    from tests.local.tiny_pipelines import save_tiny_ltx, save_tiny_wan

    save = save_tiny_wan if arguments.family == "wan" else save_tiny_ltx
    return save(folder / "weights")


def _pipeline_options(arguments: argparse.Namespace, weights: Path) -> dict[str, Any]:
    return {
        "family": arguments.family,
        "weights": str(weights),
        "device": arguments.device,
        "dtype": arguments.dtype,
        "steps": arguments.steps,
        "max_width": 8192,
        "max_height": 8192,
        "max_frames": 2000,
    }


def _through_reelgate(http: httpx.Client, arguments: argparse.Namespace, seed: int) -> float:
    """Seconds from the create request to the job's final event. The job's event stream is
    read, not polled: polls every few milliseconds would take CPU from the job they time."""
    width, height = (int(side) for side in arguments.size.split("x"))
    body = {
        "model": "bench",
        "prompt": PROMPT,
        "duration": arguments.seconds,
        "width": width,
        "height": height,
        "seed": seed,
    }
    start = time.perf_counter()
    job_id = http.post("/api/generate", json=body).raise_for_status().json()["job_id"]
    with http.stream("GET", f"/api/jobs/{job_id}/events") as events:
        for _line in events.iter_lines():
            pass  # the stream ends after the job's final event
    elapsed = time.perf_counter() - start
    status = http.get(f"/api/status/{job_id}").json()
    if status["status"] != "completed":
        sys.exit(f"the job did not complete: {status}")
    return elapsed


def _bare(pipe: Any, family: Any, arguments: argparse.Namespace, seed: int) -> float:
    import torch

    width, height = (int(side) for side in arguments.size.split("x"))
    frames = family.fitted_frames(arguments.seconds * family.fps)
    start = time.perf_counter()
    pipe(
        prompt=PROMPT,
        height=family.fitted_side(height),
        width=family.fitted_side(width),
        num_frames=frames,
        num_inference_steps=arguments.steps,
        guidance_scale=family.guidance,
        generator=[torch.Generator("cpu").manual_seed(seed)],
        output_type="np",
    )
    return time.perf_counter() - start


def main() -> None:
    arguments = _arguments()
    measure = f"{arguments.family} {arguments.size} {arguments.seconds} s, {arguments.steps} steps"
    if importlib.util.find_spec("diffusers") is None or importlib.util.find_spec("torch") is None:
        skipped(BENCH, measure, "needs pip install 'reelgate[local]'")
        return
    from reelgate.providers.local.config import PipelineConfig
    from reelgate.providers.local.families import FAMILIES
    from reelgate.providers.local.runtime import load_pipeline

    with scratch("reelgate-bench-local-") as folder:
        weights = _weights(arguments, folder)
        options = _pipeline_options(arguments, weights)
        routing = folder / "models.yaml"
        routing.write_text(
            yaml.safe_dump(
                {
                    "providers": {"local": {"type": "diffusers", "pipeline": options}},
                    "models": {"bench": {"provider": "local"}},
                }
            )
        )
        family = FAMILIES[arguments.family].load()
        pipe = load_pipeline(weights, PipelineConfig(**options))
        port = free_port()
        command = [
            sys.executable, "-m", "reelgate", "serve", "--port", str(port),
            "--data-dir", str(folder / "data"), "--workers", "1", "--models", str(routing),
            *QUIET,
        ]  # fmt: skip
        with (
            running(command, f"http://127.0.0.1:{port}/healthz", log=folder / "server.log"),
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as http,
        ):
            _through_reelgate(http, arguments, seed=0)  # warm-up: loads the weights
            _bare(pipe, family, arguments, seed=0)
            ratios, pairs = [], []
            for round_number in range(1, arguments.rounds + 1):
                served = _through_reelgate(http, arguments, seed=round_number)
                bare = _bare(pipe, family, arguments, seed=round_number)
                ratios.append(served / bare)
                pairs.append((served, bare))
                print(f"round {round_number}: reelgate {served:.2f} s, bare {bare:.2f} s")
    median = statistics.median(ratios)
    row = Row(
        BENCH,
        f"job through reelgate vs bare pipe(), {measure} ({arguments.device})",
        f"{statistics.median(pair[0] for pair in pairs):.2f} s",
        f"{statistics.median(pair[1] for pair in pairs):.2f} s",
        f"{median:.3f}x (min {min(ratios):.3f}, max {max(ratios):.3f})",
        f"<= {TARGET}x (overhead under 3%)",
        verdict(median <= TARGET),
    )
    record(row)
    print(f"{row.measure}: {row.ratio}, target {row.target}: {row.verdict}")


if __name__ == "__main__":
    main()
