"""Gateway overhead: create and retrieve through reelgate's `openai` provider, through LiteLLM's
proxy, and straight to the upstream they both front (the tests' fake OpenAI Videos API, in a
process of its own on loopback), all in one run.

    python bench/bench_gateway.py        # needs wrk; installs LiteLLM on first use (see below)

For each of the three: p50/p99 of `POST /v1/videos` and `GET /v1/videos/{id}` one request at a
time (wrk -c1), and requests/s under load (wrk -c32). The added latency of a gateway is its p50
minus the upstream's. They do different work: LiteLLM forwards both calls to the upstream and
keeps nothing; reelgate answers a create once the job is stored (its workers submit it to the
upstream next) and every retrieve from its own store.

LiteLLM is installed into its own virtual environment, `bench/.venvs/litellm` (gitignored, never
a project dependency), as `litellm[proxy]==1.106.2` or REELGATE_BENCH_LITELLM. It runs with no
master key (open, as reelgate without API keys) and its bundled model-cost map.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import httpx

from common import (
    ROOT,
    Load,
    Row,
    free_port,
    has_wrk,
    markdown_table,
    post_script,
    record,
    reelgate_command,
    running,
    scratch,
    skipped,
    verdict,
    wrk,
)
from fake_upstream import KEY

LITELLM_VENV = ROOT / "bench" / ".venvs" / "litellm"
LITELLM_SPEC = os.environ.get("REELGATE_BENCH_LITELLM", "litellm[proxy]==1.106.2")
BODY = {"model": "sora-2", "prompt": "A gateway benchmark", "seconds": "4", "size": "720x1280"}
LATENCY_SECONDS = 4
LOAD_SECONDS = 6
LOAD_CONNECTIONS = 32
RETRIEVE_TARGET_MS = 1.0
CREATE_TARGET_MS = 2.0


@dataclass
class Figures:
    create_one: Load  # wrk -c1
    retrieve_one: Load
    create_load: Load  # wrk -c32
    retrieve_load: Load


def measure(base: str, headers: dict[str, str]) -> Figures:
    """Retrieve first (one video, made here), then create (thousands of videos)."""
    created = httpx.post(f"{base}/v1/videos", json=BODY, headers=headers, timeout=30)
    created.raise_for_status()
    retrieve_url = f"{base}/v1/videos/{created.json()['id']}"
    get_script = (
        "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in headers.items())
        or None
    )
    post = post_script(json.dumps(BODY), {"Content-Type": "application/json", **headers})
    one = {"seconds": LATENCY_SECONDS, "connections": 1, "threads": 1}
    many = {"seconds": LOAD_SECONDS, "connections": LOAD_CONNECTIONS}
    create_url = f"{base}/v1/videos"
    figures = Figures(
        retrieve_one=wrk(retrieve_url, script=get_script, **one),
        retrieve_load=wrk(retrieve_url, script=get_script, **many),
        create_one=wrk(create_url, script=post, **one),
        create_load=wrk(create_url, script=post, **many),
    )
    for name, load in vars(figures).items():
        if load.errors:  # a few under load are reported; many mean the figures are not worth it
            print(f"!! {base}: {load.errors} of {load.requests} requests failed in {name}")
            if load.errors > load.requests / 100:
                raise RuntimeError(f"{base}: too many failed requests in {name}")
    return figures


def litellm_binary() -> Path | None:
    """LiteLLM's proxy in its own virtual environment, installed on first use."""
    binary = LITELLM_VENV / "bin" / "litellm"
    if binary.exists():
        return binary
    print(f"installing {LITELLM_SPEC} into {LITELLM_VENV} (once; a few minutes)", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(LITELLM_VENV)], check=True)
        pip = [str(LITELLM_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, LITELLM_SPEC], check=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(LITELLM_VENV, ignore_errors=True)
        print(f"!! could not install {LITELLM_SPEC}: {exc}", file=sys.stderr)
        return None
    return binary


def litellm_version() -> str:
    python = LITELLM_VENV / "bin" / "python"
    code = "import importlib.metadata as m; print(m.version('litellm'))"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.strip()


def routing_file(folder: Path, upstream: str) -> Path:
    path = folder / "models.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            providers:
              upstream:
                type: openai
                base_url: {upstream}/v1
                api_key_env: BENCH_UPSTREAM_KEY
                concurrency: 4
            models:
              sora-2:
                provider: upstream
            """
        )
    )
    return path


def litellm_config(folder: Path, upstream: str) -> Path:
    path = folder / "litellm.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            model_list:
              - model_name: sora-2
                litellm_params:
                  model: openai/sora-2
                  api_base: {upstream}/v1
                  api_key: {KEY}
            """
        )
    )
    return path


def main() -> None:
    if not has_wrk("gateway", "create + retrieve through reelgate and LiteLLM"):
        return
    up_port, rg_port, ll_port = free_port(), free_port(), free_port()
    upstream = f"http://127.0.0.1:{up_port}"
    reelgate = f"http://127.0.0.1:{rg_port}"
    litellm = f"http://127.0.0.1:{ll_port}"
    results: dict[str, Figures] = {}
    binary = litellm_binary()
    with scratch("reelgate-gateway-") as folder:
        fake = [sys.executable, str(ROOT / "bench" / "fake_upstream.py"), "--port", str(up_port)]
        with running(fake, f"{upstream}/v1/videos/none"):
            results["upstream"] = measure(upstream, {"Authorization": f"Bearer {KEY}"})
            command = reelgate_command(
                rg_port, folder / "data", "--models", str(routing_file(folder, upstream)), workers=2
            )
            with running(command, f"{reelgate}/healthz", env={"BENCH_UPSTREAM_KEY": KEY},
                         log=folder / "reelgate.log"):  # fmt: skip
                results["reelgate"] = measure(reelgate, {})
            if binary is not None:
                env = {
                    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                    "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true",
                }
                command = [str(binary), "--config", str(litellm_config(folder, upstream)),
                           "--host", "127.0.0.1", "--port", str(ll_port)]  # fmt: skip
                with running(command, f"{litellm}/health/liveliness", env=env,
                             log=folder / "litellm.log"):  # fmt: skip
                    results["litellm"] = measure(litellm, {})
    report(results, litellm_version() if binary is not None else None)


def report(results: dict[str, Figures], litellm: str | None) -> None:
    up = results["upstream"]
    names = {
        "upstream": "upstream (direct)",
        "reelgate": "reelgate",
        "litellm": f"LiteLLM {litellm}",
    }
    rows = [
        (
            names[key],
            f"{figures.create_one.p50:.2f} / {figures.create_one.p99:.2f}",
            f"{figures.create_one.p50 - up.create_one.p50:+.2f}",
            f"{figures.retrieve_one.p50:.2f} / {figures.retrieve_one.p99:.2f}",
            f"{figures.retrieve_one.p50 - up.retrieve_one.p50:+.2f}",
            f"{figures.create_load.rate:,.0f}",
            f"{figures.retrieve_load.rate:,.0f}",
        )
        for key, figures in results.items()
    ]
    header = (
        "server", "create p50/p99 ms", "added", "retrieve p50/p99 ms", "added", "create req/s",
        "retrieve req/s",
    )  # fmt: skip
    print(
        f"wrk -c1 -d{LATENCY_SECONDS}s: latency; wrk -c{LOAD_CONNECTIONS} -d{LOAD_SECONDS}s: req/s"
    )
    print(markdown_table(header, rows))
    ours, theirs = results["reelgate"], results.get("litellm")
    for call, target in (("retrieve", RETRIEVE_TARGET_MS), ("create", CREATE_TARGET_MS)):
        direct = getattr(up, f"{call}_one").p50
        added = getattr(ours, f"{call}_one").p50 - direct
        measure = f"{call}: p50 added over the upstream, ms (wrk -c1)"
        if theirs is None:
            met = added < target
            record(
                Row("gateway", measure, f"{added:+.2f}", "", "", f"< {target:g} ms", verdict(met))
            )
            continue
        other = getattr(theirs, f"{call}_one").p50 - direct
        met = added < target and added < other
        baseline = f"LiteLLM {other:+.2f}"
        target_words = f"< {target:g} ms, below LiteLLM"
        record(Row("gateway", measure, f"{added:+.2f}", baseline, "", target_words, verdict(met)))
    for call in ("create", "retrieve"):
        measure = f"{call}: req/s (wrk -c{LOAD_CONNECTIONS})"
        if theirs is None:
            skipped("gateway", measure, "LiteLLM could not be installed")
            continue
        rate, other = getattr(ours, f"{call}_load").rate, getattr(theirs, f"{call}_load").rate
        baseline = f"LiteLLM {other:,.0f}; upstream {getattr(up, f'{call}_load').rate:,.0f}"
        ratio = f"{rate / other:.1f}x LiteLLM"
        record(Row("gateway", measure, f"{rate:,.0f}", baseline, ratio, "ahead of LiteLLM",
                   verdict(rate > other)))  # fmt: skip


if __name__ == "__main__":
    main()
