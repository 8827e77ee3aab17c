"""API keys over real HTTP: who may call, who sees what, and the per-key limits, in every
dialect. Keys are made with the `reelgate keys` command, as an operator would."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
from openai import OpenAI

from reelgate.store.connect import open_store
from reelgate.store.keys import KeyStore
from tests.server import ServerProcess

RACERS = 12

AZURE_JOBS = "/openai/v1/video/generations/jobs"


def make_key(data_dir: Path, name: str, *options: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "reelgate", "keys", "create", "--name", name,
         "--data-dir", str(data_dir), *options],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def keys_command(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reelgate", "keys", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
    )


def sdk(server: ServerProcess, key: str) -> OpenAI:
    return OpenAI(base_url=f"{server.base_url}/v1", api_key=key, max_retries=0)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Keys:
    """One key made as an operator does (the command), the rest straight in the store: each
    command run costs seconds of start-up."""

    def __init__(self, data_dir: Path) -> None:
        self.alice = make_key(data_dir, "alice")
        store = open_store(f"sqlite:///{data_dir / 'reelgate.sqlite3'}")
        try:
            keys = KeyStore(store.engine)
            self.bob = keys.create("bob")[1]
            self.admin = keys.create("ops", admin=True)[1]
            self.limited = keys.create("limited", rpm=3)[1]
            self.doomed = keys.create("doomed")[1]
            self.streaming = keys.create("streaming")[1]
        finally:
            store.close()


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Keys]]:
    data_dir = tmp_path_factory.mktemp("keys") / "data"
    keys = Keys(data_dir)
    with ServerProcess(data_dir, workers=2, check_orphans=True) as process:
        yield process, keys


@pytest.fixture(scope="module")
def alices_video(closed: tuple[ServerProcess, Keys]) -> str:
    server, keys = closed
    video = sdk(server, keys.alice).videos.create_and_poll(
        prompt="a lighthouse at dusk", size="720x1280", seconds="4", poll_interval_ms=200
    )
    assert video.status == "completed"
    return video.id


def test_open_mode_says_so_at_start_up(server: ServerProcess) -> None:
    assert "open mode" in server.log()
    assert "API keys required" not in server.log()


def test_a_closed_server_says_keys_are_required(closed: tuple[ServerProcess, Keys]) -> None:
    assert "API keys required" in closed[0].log()


def test_keys_are_stored_only_as_hashes(closed: tuple[ServerProcess, Keys]) -> None:
    server, keys = closed
    with sqlite3.connect(server.data_dir / "reelgate.sqlite3") as db:
        rows = db.execute("SELECT * FROM api_keys").fetchall()
    stored = json.dumps(rows)
    secret = keys.alice.split("_", 2)[2]  # rg_<id>_<secret>; the secret may hold "_" itself
    assert keys.alice not in stored and secret not in stored
    assert hashlib.sha256(keys.alice.encode()).hexdigest() in stored
    listing = keys_command(server.data_dir, "list")
    assert listing.returncode == 0 and "alice" in listing.stdout
    assert keys.alice not in listing.stdout + listing.stderr


def test_every_dialect_refuses_a_missing_key(closed: tuple[ServerProcess, Keys]) -> None:
    server, _ = closed
    openai_style = httpx.get(f"{server.base_url}/v1/videos")  # the SDK never sends no key
    assert openai_style.status_code == 401
    error = openai_style.json()["error"]
    assert "didn't provide an API key" in error["message"]
    assert error["type"] == "invalid_request_error"
    azure = httpx.get(f"{server.base_url}{AZURE_JOBS}?api-version=preview")
    assert azure.status_code == 401 and azure.json()["error"]["code"] == "401"
    app = httpx.get(f"{server.base_url}/api/jobs")
    assert app.status_code == 401 and "API key" in app.json()["detail"]
    assert app.headers["www-authenticate"].startswith("Bearer")
    # What needs no key: health, the API description, the page.
    for path in ("/healthz", "/openapi.json", "/api/docs", "/"):
        assert httpx.get(f"{server.base_url}{path}").status_code == 200, path


def test_a_wrong_key_is_refused_without_echoing_it(closed: tuple[ServerProcess, Keys]) -> None:
    server, keys = closed
    forged = keys.alice[:-6] + "AAAAAA"
    with pytest.raises(openai.AuthenticationError) as refused:
        sdk(server, forged).videos.list()
    body = refused.value.body
    assert isinstance(body, dict) and body["code"] == "invalid_api_key"
    assert forged not in refused.value.message
    not_ours = httpx.get(f"{server.base_url}/v1/videos", headers=bearer("sk-something-else"))
    assert not_ours.status_code == 401


def test_keys_are_accepted_in_each_header(closed: tuple[ServerProcess, Keys]) -> None:
    server, keys = closed
    for header in ({"Authorization": f"Bearer {keys.bob}"}, {"api-key": keys.bob},
                   {"x-api-key": keys.bob}):  # fmt: skip
        answer = httpx.get(f"{server.base_url}{AZURE_JOBS}?api-version=preview", headers=header)
        assert answer.status_code == 200, header


def test_another_key_never_learns_a_job_exists(
    closed: tuple[ServerProcess, Keys], alices_video: str
) -> None:
    server, keys = closed
    base, video_id = server.base_url, alices_video
    bob = sdk(server, keys.bob)
    for call in (
        lambda: bob.videos.retrieve(video_id),
        lambda: bob.videos.download_content(video_id),
        lambda: bob.videos.remix(video_id, prompt="mine now"),
        lambda: bob.videos.delete(video_id),
    ):
        with pytest.raises(openai.NotFoundError):
            call()
    assert video_id not in [video.id for video in bob.videos.list()]
    job = httpx.get(
        f"{base}{AZURE_JOBS}/{video_id}?api-version=preview", headers=bearer(keys.alice)
    )
    generation_id = job.json()["generations"][0]["id"]
    as_bob = bearer(keys.bob)
    for path in (
        f"{AZURE_JOBS}/{video_id}?api-version=preview",
        f"/openai/v1/video/generations/{generation_id}?api-version=preview",
        f"/openai/v1/video/generations/{generation_id}/content/video?api-version=preview",
        f"/api/status/{video_id}",
        f"/api/download/{generation_id}",
        f"/api/jobs/{video_id}",
        f"/api/jobs/{video_id}/events",
    ):
        assert httpx.get(f"{base}{path}", headers=as_bob).status_code == 404, path
    deleted = httpx.delete(f"{base}{AZURE_JOBS}/{video_id}?api-version=preview", headers=as_bob)
    assert deleted.status_code == 404
    listed = httpx.get(f"{base}{AZURE_JOBS}?api-version=preview", headers=as_bob).json()
    assert video_id not in [item["id"] for item in listed["data"]]
    assert video_id not in json.dumps(first_event(base, "/api/events", as_bob))
    # Its owner and an admin key see it; an admin sees everyone's usage, bob only his own.
    assert sdk(server, keys.alice).videos.retrieve(video_id).status == "completed"
    assert sdk(server, keys.admin).videos.retrieve(video_id).status == "completed"
    assert video_id in json.dumps(first_event(base, "/api/events", bearer(keys.admin)))
    usage_of = {
        name: httpx.get(f"{base}/api/usage", headers=bearer(key)).json()["data"]
        for name, key in (("bob", keys.bob), ("admin", keys.admin))
    }
    assert usage_of["bob"] == []
    assert any(row["jobs"] >= 1 for row in usage_of["admin"])


def test_a_resumed_stream_hears_of_its_own_deletions_and_no_one_elses(
    closed: tuple[ServerProcess, Keys],
) -> None:
    """A stream resumed with `Last-Event-ID` has shown nothing yet: the deleted job's tombstone
    tells whose it was."""
    server, keys = closed
    alice, bob = sdk(server, keys.alice), sdk(server, keys.bob)
    hers = alice.videos.create(prompt="to be deleted", seconds="4", size="720x1280")
    his = bob.videos.create(prompt="also deleted", seconds="4", size="720x1280")
    url = f"{server.base_url}/api/events?heartbeat=1"
    with httpx.stream("GET", url, headers=bearer(keys.alice), timeout=10) as stream:
        cursor = next(line for line in stream.iter_lines() if line.startswith("id: "))[4:]
    bob.videos.delete(his.id)  # first: a stream that passed it on would show it before hers
    alice.videos.delete(hers.id)
    seen: list[str] = []
    resumed = {**bearer(keys.alice), "Last-Event-ID": cursor}
    deadline = time.monotonic() + 10  # keepalives come every second: the loop gets here
    with httpx.stream("GET", url, headers=resumed, timeout=10) as stream:
        for line in stream.iter_lines():
            if seen and seen[-1] == "event: deleted":
                deleted = json.loads(line.removeprefix("data: "))
                break
            assert time.monotonic() < deadline, f"no deletion announced: {seen}"
            seen.append(line)
    assert deleted == {"id": hers.id, "object": "job.deleted", "deleted": True}
    assert his.id not in "\n".join(seen)


def first_event(base: str, path: str, headers: dict[str, str]) -> object:
    """The data of the first event of a stream."""
    with httpx.stream("GET", f"{base}{path}", headers=headers, timeout=10) as stream:
        assert stream.status_code == 200
        for line in stream.iter_lines():
            if line.startswith("data:"):
                return json.loads(line[5:])
    raise AssertionError("the stream ended without an event")


def test_requests_per_minute_are_limited_in_each_dialect(
    closed: tuple[ServerProcess, Keys],
) -> None:
    server, keys = closed
    limited = sdk(server, keys.limited)
    for _ in range(3):
        limited.videos.list()
    with pytest.raises(openai.RateLimitError) as refused:
        limited.videos.list()
    retry_after = int(refused.value.response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    body = refused.value.body
    assert isinstance(body, dict) and body["code"] == "rate_limit_exceeded"
    azure = httpx.get(
        f"{server.base_url}{AZURE_JOBS}?api-version=preview", headers={"api-key": keys.limited}
    )
    assert azure.status_code == 429 and azure.json()["error"]["code"] == "429"
    assert int(azure.headers["retry-after"]) >= 1
    app = httpx.get(f"{server.base_url}/api/jobs", headers=bearer(keys.limited))
    assert app.status_code == 429 and "requests per minute" in app.json()["detail"]
    # Polls and downloads take a shorter way through the server (api/short_way/routes.py): the
    # same window counts them.
    for path in ("/v1/videos/video_x", "/v1/videos/video_x/content"):
        shortcut = httpx.get(f"{server.base_url}{path}", headers=bearer(keys.limited))
        assert shortcut.status_code == 429, path


def test_a_revoked_key_is_refused(closed: tuple[ServerProcess, Keys]) -> None:
    server, keys = closed
    assert httpx.get(f"{server.base_url}/api/jobs", headers=bearer(keys.doomed)).is_success
    assert keys_command(server.data_dir, "revoke", "doomed").returncode == 0
    deadline = time.monotonic() + 15  # the server re-reads keys every few seconds
    status = 200
    while status != 401 and time.monotonic() < deadline:
        time.sleep(0.25)
        status = httpx.get(f"{server.base_url}/api/jobs", headers=bearer(keys.doomed)).status_code
    assert status == 401


@pytest.fixture(scope="module")
def queued_only(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProcess, str, str]]:
    """A server without workers, so jobs stay unfinished; two keys with job limits."""
    data_dir = tmp_path_factory.mktemp("quota") / "data"
    key = make_key(data_dir, "quota", "--max-concurrent", "2", "--daily-seconds", "10")
    store = open_store(f"sqlite:///{data_dir / 'reelgate.sqlite3'}")
    try:
        racer = KeyStore(store.engine).create("racer", max_concurrent=3)[1]
    finally:
        store.close()
    with ServerProcess(data_dir, workers=0, check_orphans=True) as process:
        yield process, key, racer


def test_unfinished_jobs_and_daily_seconds_are_limited(
    queued_only: tuple[ServerProcess, str, str],
) -> None:
    server, key, _ = queued_only
    client = sdk(server, key)
    client.videos.create(prompt="first", seconds="4")
    with pytest.raises(openai.RateLimitError) as over_quota:
        client.videos.create(prompt="second", seconds="8")  # 4 + 8 > 10 seconds today
    body = over_quota.value.body
    assert isinstance(body, dict) and body["code"] == "insufficient_quota"
    assert int(over_quota.value.response.headers["retry-after"]) > 0
    client.videos.create(prompt="second", seconds="4")
    azure = httpx.post(
        f"{server.base_url}{AZURE_JOBS}?api-version=preview",
        headers={"api-key": key},
        json={"prompt": "third", "model": "sora", "height": 480, "width": 480, "n_seconds": 1},
    )
    assert azure.status_code == 429, azure.text
    assert azure.json()["error"]["code"] == "429" and "at once" in azure.json()["error"]["message"]
    assert int(azure.headers["retry-after"]) >= 1
    assert len(client.videos.list().data) == 2  # nothing half-made by the refusals


def test_racing_creates_get_no_more_than_the_limit(
    queued_only: tuple[ServerProcess, str, str],
) -> None:
    server, _, racer = queued_only
    barrier = threading.Barrier(RACERS)

    def create(_: int) -> int:
        barrier.wait()
        answer = httpx.post(
            f"{server.base_url}/v1/videos",
            json={"prompt": "race", "seconds": "4"},
            headers=bearer(racer),
            timeout=30,
        )
        return answer.status_code

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = sorted(pool.map(create, range(RACERS)))
    assert statuses == [200] * 3 + [429] * (RACERS - 3)
    assert len(sdk(server, racer).videos.list().data) == 3


def test_idempotency_keys_belong_to_their_api_key(closed: tuple[ServerProcess, Keys]) -> None:
    server, keys = closed
    same = {"Idempotency-Key": "shared-retry-key"}
    alices = sdk(server, keys.alice).videos.create(prompt="one", seconds="4", extra_headers=same)
    bobs = sdk(server, keys.bob).videos.create(prompt="one", seconds="4", extra_headers=same)
    assert alices.id != bobs.id


def test_an_open_event_stream_ends_when_its_key_is_revoked(
    closed: tuple[ServerProcess, Keys],
) -> None:
    server, keys = closed
    url = f"{server.base_url}/api/events?heartbeat=1"
    with httpx.stream("GET", url, headers=bearer(keys.streaming), timeout=30) as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        assert any(line.startswith("event: snapshot") for line in lines)
        assert keys_command(server.data_dir, "revoke", "streaming").returncode == 0
        started = time.monotonic()
        for _ in lines:  # keepalives until the server notices, then the stream ends
            assert time.monotonic() - started < 20, "the stream outlived its key"
