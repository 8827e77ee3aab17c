"""Past one machine: worker-process scaling and query latency against table size (PostgreSQL).

    REELGATE_BENCH_DATABASE_URL=postgresql://root@127.0.0.1:5432/test python bench/bench_scale.py

(REELGATE_TEST_DATABASE_URL is used when the BENCH one is unset.) Everything happens in a fresh
schema of that database, dropped at the end. Prints two tables:

1. Jobs per second completed by 1, 2 and 4 `reelgate worker` processes (preview engine, 480x480,
   1 s clips), and the speed-up over one process.
2. p50/p99 of the store's list (a page of 20 after a cursor), retrieve (by id) and claim (the
   next queued job) with 10k and with 1M finished jobs in the table, and the 1M/10k ratio.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text

from common import Row, record
from reelgate.config import Settings
from reelgate.core.callers import OPEN
from reelgate.core.ids import new_job_id
from reelgate.core.jobs import JobService, NewVideo
from reelgate.core.models import JobKind, VideoSpec
from reelgate.providers.registry import default_registry
from reelgate.store.blobs import BlobStore
from reelgate.store.db import JobStore
from reelgate.store.engine import make_engine, normalize_url
from reelgate.store.migrate import upgrade
from reelgate.store.schema import jobs

JOBS_PER_RUN = 48


def fresh_schema(url: str) -> tuple[str, str]:
    schema = f"reelgate_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalize_url(url))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema, f"{normalize_url(url)}?options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    admin = create_engine(normalize_url(url))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def worker_scaling(url: str) -> list[tuple[int, float]]:
    results = []
    for processes in (1, 2, 4):
        schema, scoped = fresh_schema(url)
        try:
            engine = make_engine(scoped)
            upgrade(engine)
            data = Path(tempfile.mkdtemp(prefix="reelgate-bench-"))
            settings = Settings(data_dir=data, database_url=scoped)
            service = JobService(JobStore(engine), BlobStore(settings.blobs_dir),
                                 default_registry(), settings)  # fmt: skip
            for number in range(JOBS_PER_RUN):
                service.create_video(NewVideo(prompt=f"bench {number}", model="m", width=480,
                                              height=480, seconds=1), OPEN)  # fmt: skip
            command = [sys.executable, "-m", "reelgate", "worker", "--concurrency", "1",
                       "--data-dir", str(data), "--database-url", scoped, "--log-level",
                       "warning"]  # fmt: skip
            started = time.perf_counter()
            workers = [subprocess.Popen(command) for _ in range(processes)]
            while True:
                with engine.connect() as conn:
                    done = conn.execute(
                        text("SELECT count(*) FROM jobs WHERE status = 'completed'")
                    ).scalar()
                if done == JOBS_PER_RUN:
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            for worker in workers:
                worker.terminate()
                worker.wait()
            engine.dispose()
            results.append((processes, JOBS_PER_RUN / elapsed))
        finally:
            drop_schema(url, schema)
    return results


def fill(engine: Engine, count: int, batch: int = 20_000) -> list[str]:
    """`count` completed jobs (ids in creation order), inserted in batches."""
    spec = VideoSpec(prompt="filler", width=480, height=480, seconds=1).model_dump_json()
    ids = []
    now = time.time()
    with engine.begin() as conn:
        for start in range(0, count, batch):
            rows = []
            for offset in range(min(batch, count - start)):
                job_id = new_job_id()
                ids.append(job_id)
                rows.append({"id": job_id, "kind": JobKind.VIDEO.value, "model": "m",
                             "provider": "preview", "spec": spec, "status": "completed",
                             "progress": 100, "created_at": now + start + offset,
                             "completed_at": now, "attempts": 1})  # fmt: skip
            conn.execute(insert(jobs), rows)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE jobs"))
    return ids


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99)] * 1000


def query_latency(url: str, rows: int, rounds: int = 2000) -> dict[str, tuple[float, float]]:
    schema, scoped = fresh_schema(url)
    try:
        engine = make_engine(scoped)
        upgrade(engine)
        ids = fill(engine, rows)
        store = JobStore(engine)
        settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=scoped)
        service = JobService(store, BlobStore(settings.blobs_dir), default_registry(), settings)
        for number in range(20):  # a few queued jobs behind the finished ones
            service.create_video(NewVideo(prompt=f"q{number}", model="m", width=480,
                                          height=480, seconds=1), OPEN)  # fmt: skip
        rng = random.Random(7)
        timings: dict[str, list[float]] = {"list": [], "retrieve": [], "claim": []}
        for _ in range(rounds):
            cursor = ids[rng.randrange(len(ids))]
            started = time.perf_counter()
            store.list_jobs(kind=JobKind.VIDEO, limit=20, descending=True, after=cursor)
            timings["list"].append(time.perf_counter() - started)
            started = time.perf_counter()
            store.get_job(ids[rng.randrange(len(ids))])
            timings["retrieve"].append(time.perf_counter() - started)
            started = time.perf_counter()
            claimed = store.claim_job("bench", time.time(), 60)
            timings["claim"].append(time.perf_counter() - started)
            if claimed is not None:  # put it back so every round claims a job
                store.release_job(claimed.id, "bench")
        engine.dispose()
        return {name: percentiles(samples) for name, samples in timings.items()}
    finally:
        drop_schema(url, schema)


def main() -> None:
    url = os.environ.get("REELGATE_BENCH_DATABASE_URL") or os.environ.get(
        "REELGATE_TEST_DATABASE_URL"
    )
    if not url:
        sys.exit("set REELGATE_BENCH_DATABASE_URL (or REELGATE_TEST_DATABASE_URL) to PostgreSQL")
    print(f"{os.cpu_count()} CPUs; {JOBS_PER_RUN} jobs of 480x480, 1 s per run")
    scaling = worker_scaling(url)
    base = scaling[0][1]
    print("| worker processes | jobs/s | speed-up |")
    print("|---|---|---|")
    for processes, rate in scaling:
        print(f"| {processes} | {rate:.1f} | {rate / base:.2f}x |")
    figures = " / ".join(f"{rate:.1f}" for _, rate in scaling)
    best = max(rate for _, rate in scaling) / base
    record(Row("scale", "jobs/s with 1 / 2 / 4 worker processes (PostgreSQL)", figures,
               f"{base:.1f} one process", f"{best:.2f}x at best"))  # fmt: skip
    small, large = query_latency(url, 10_000), query_latency(url, 1_000_000, rounds=2000)
    print()
    print("| query | 10k rows p50 / p99 ms | 1M rows p50 / p99 ms | p50 ratio |")
    print("|---|---|---|---|")
    for name in ("list", "retrieve", "claim"):
        (s50, s99), (l50, l99) = small[name], large[name]
        print(f"| {name} | {s50:.2f} / {s99:.2f} | {l50:.2f} / {l99:.2f} | {l50 / s50:.2f} |")
        record(Row("scale", f"{name}: p50 / p99 ms with 1M rows", f"{l50:.2f} / {l99:.2f}",
                   f"{s50:.2f} / {s99:.2f} with 10k", f"{l50 / s50:.2f}"))  # fmt: skip


if __name__ == "__main__":
    main()
