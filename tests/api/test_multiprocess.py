"""Past one machine, on one machine: API replicas and worker processes sharing PostgreSQL.

Needs REELGATE_TEST_DATABASE_URL (CI sets it); skipped, loudly, without it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.databases import POSTGRES_URL_ENV, postgres_schema_url, postgres_url
from tests.server import ServerProcess, WorkerProcess

pytestmark = pytest.mark.skipif(
    postgres_url() is None, reason=f"PostgreSQL: {POSTGRES_URL_ENV} is not set"
)
JOBS = "/openai/v1/video/generations/jobs"


def reelgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reelgate", *args],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_a_server_refuses_a_database_without_the_schema(tmp_path: Path):
    with postgres_schema_url() as url:
        server = ServerProcess(tmp_path / "data", extra_args=["--database-url", url])
        with pytest.raises(RuntimeError, match="reelgate db upgrade"):
            server.start()
        assert reelgate("db", "status", "--database-url", url).returncode == 1
        assert reelgate("db", "upgrade", "--database-url", url).returncode == 0
        assert reelgate("db", "status", "--database-url", url).returncode == 0
        with server:
            assert httpx.get(f"{server.base_url}/healthz").status_code == 200


@pytest.mark.slow
def test_replicas_and_workers_share_the_queue_and_survive_a_killed_worker(tmp_path: Path):
    with postgres_schema_url() as url:
        assert reelgate("db", "upgrade", "--database-url", url).returncode == 0
        data = tmp_path / "data"
        api_args = ["--no-workers", "--database-url", url]
        fast_lease = {"REELGATE_LEASE_SECONDS": "2"}
        workers = [WorkerProcess(data, url, env=fast_lease) for _ in range(2)]
        with (
            ServerProcess(data, extra_args=api_args) as first,
            ServerProcess(data, extra_args=api_args) as second,
        ):
            for worker in workers:
                worker.start()
            ids = []
            for number in range(16):
                replica = first if number % 2 else second
                body = {"prompt": f"job {number}", "model": "m", "width": 480, "height": 480,
                        "n_seconds": 1}  # fmt: skip
                response = httpx.post(f"{replica.base_url}{JOBS}", json=body, timeout=30)
                assert response.status_code == 200, response.text
                ids.append(response.json()["id"])
            _wait_until(lambda: _count(url, "status = 'in_progress'") > 0, "a job to start")
            workers[0].stop(kill=True)
            # The last job was made through `first` and is run by a worker process; `second`
            # hears of its progress only through LISTEN/NOTIFY. Its one-job stream ends with the
            # job's final event.
            events_url = f"{second.base_url}/api/jobs/{ids[-1]}/events"
            with httpx.stream("GET", events_url, timeout=120) as stream:
                received = "".join(stream.iter_text())
            assert '"status":"completed"' in received.replace(" ", ""), received[-500:]

            _wait_until(lambda: _count(url, "status = 'completed'") == len(ids), "every job")
            for job_id in ids:  # both replicas see every job, whichever worker ran it
                for replica in (first, second):
                    job = httpx.get(f"{replica.base_url}{JOBS}/{job_id}").json()
                    assert job["status"] == "succeeded" and len(job["generations"]) == 1
            assert _count(url, "true", table="generations") == len(ids), "each completed once"
            assert workers[1].stop() == 0, "SIGTERM stops a worker cleanly"
            assert "handing running jobs back" in workers[1].log()


def _count(url: str, where: str, table: str = "jobs") -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar()
    finally:
        engine.dispose()


def _wait_until(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.slow
def test_500_jobs_on_two_replicas_and_three_workers_sharing_only_postgresql_and_s3(
    tmp_path: Path,
):
    """The deployment of docs/deployment.md in one test: every process has its own data
    directory, so they share nothing but the database and the object store. One worker is
    killed mid-run; every job still completes exactly once."""
    from tests.s3_server import S3_ENV, moto_s3_server, object_keys, s3_client

    with postgres_schema_url() as url, moto_s3_server() as endpoint:
        s3 = s3_client(endpoint)
        s3.create_bucket(Bucket="multiprocess-scale")
        assert reelgate("db", "upgrade", "--database-url", url).returncode == 0
        storage = ["--storage", "s3://multiprocess-scale/scale"]
        env = {**S3_ENV, "REELGATE_S3_ENDPOINT_URL": endpoint, "REELGATE_LEASE_SECONDS": "2"}
        workers = [
            WorkerProcess(tmp_path / f"worker-{n}-data", url, env=env, extra_args=storage)
            for n in range(3)
        ]
        api = ["--no-workers", "--database-url", url, *storage]
        with (
            ServerProcess(tmp_path / "api-1-data", extra_args=api, env=env) as first,
            ServerProcess(tmp_path / "api-2-data", extra_args=api, env=env) as second,
        ):
            for worker in workers:
                worker.start()
            body = {"duration": 1, "width": 256, "height": 256}
            ids = []
            with httpx.Client(timeout=30) as http:
                for number in range(500):
                    replica = first if number % 2 else second
                    created = http.post(f"{replica.base_url}/api/generate",
                                        json={"prompt": f"job {number}", **body})  # fmt: skip
                    assert created.status_code == 200, created.text
                    ids.append(created.json()["job_id"])
            _wait_until(lambda: _count(url, "status = 'completed'") >= 20, "some jobs done")
            workers[0].stop(kill=True)
            _wait_until(lambda: _count(url, "status = 'completed'") == len(ids), "every job", 600)
            assert _count(url, "true", table="generations") == len(ids), "each completed once"
            assert _count(url, "attempts > 1") <= 1, "only the killed worker's job ran twice"
            keys = object_keys(s3, "multiprocess-scale", "scale/jobs/")
            assert len({key.split("/")[2] for key in keys}) == len(ids), "every job's media in S3"
            with httpx.Client(timeout=30) as http:
                status = http.get(f"{first.base_url}/api/status/{ids[-1]}").json()
                video = http.get(f"{second.base_url}{status['video_url']}")
            assert video.status_code == 200 and video.content[4:8] == b"ftyp"
            for worker in workers[1:]:
                assert worker.stop() == 0
