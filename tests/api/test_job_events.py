"""The job-event streams (`/api/events`, `/api/jobs/{id}/events`) over real HTTP: what they push,
how `Last-Event-ID` resumes, heartbeats, and that they end when the client or the server goes."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from reelgate.api.app.journal import ChangeJournal
from reelgate.app import create_app
from reelgate.config import Settings
from reelgate.core.events import JobEvents
from reelgate.store.connect import open_store
from reelgate.store.keys import KeyStore
from tests.server import ServerProcess, free_port

EVENT_ID = re.compile(r"^([0-9a-f]{8})-(\d+)$")
FINAL = {"completed", "failed", "cancelled"}
RANK = {"queued": 0, "in_progress": 1, "completed": 2, "failed": 2, "cancelled": 2}


@dataclass
class Event:
    event: str
    id: str
    data: Any


@dataclass
class EventReader:
    """Parses a `text/event-stream` body as the HTML standard says, keeping comments too."""

    response: httpx.Response
    comments: list[str] = field(default_factory=list)
    retry: int | None = None

    def __post_init__(self) -> None:
        self._lines = self.response.iter_lines()

    def next(self) -> Event | None:
        """The next event, or None when the server ended the stream."""
        fields: dict[str, str] = {}
        data: list[str] = []
        for line in self._lines:
            if line == "":
                if data:
                    return Event(
                        fields.get("event", "message"), fields["id"], json.loads("\n".join(data))
                    )
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name == "retry":
                self.retry = int(value)
            else:
                fields[name] = value
        return None

    def until(self, done: Callable[[Event], bool]) -> list[Event]:
        events = []
        while (event := self.next()) is not None:
            events.append(event)
            if done(event):
                return events
        raise AssertionError(
            f"the stream ended first: {[(e.event, e.data.get('status')) for e in events]}"
        )

    def read_comments(self, count: int) -> None:
        """Read on until `count` comments have arrived in all (only comments may come)."""
        for line in self._lines:
            assert not line.startswith(("data:", "event:")), f"unexpected event line {line!r}"
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                if len(self.comments) >= count:
                    return

    def rest(self) -> list[Event]:
        events = []
        while (event := self.next()) is not None:
            events.append(event)
        return events


@contextmanager
def stream(base_url: str, path: str, **kwargs: Any) -> Iterator[tuple[httpx.Response, EventReader]]:
    with (
        httpx.Client(base_url=base_url, timeout=15) as session,
        session.stream("GET", path, **kwargs) as response,
    ):
        yield response, EventReader(response)


def number(event_id: str) -> int:
    match = EVENT_ID.match(event_id)
    assert match, event_id
    return int(match.group(2))


def generate(http: httpx.Client, **body: Any) -> str:
    response = http.post("/api/generate", json=body)
    assert response.status_code == 200, response.text
    return response.json()["job_id"]


def wait_finished(http: httpx.Client, job_id: str) -> None:
    deadline = time.monotonic() + 60
    while http.get(f"/api/status/{job_id}").json()["status"] not in ("completed", "failed"):
        assert time.monotonic() < deadline, f"{job_id} did not finish"
        time.sleep(0.05)


def snapshot_id(base_url: str) -> str:
    with stream(base_url, "/api/events") as (_, reader):
        return reader.next().id


def test_every_change_of_a_job_made_through_the_openai_dialect_is_pushed(
    server: ServerProcess, http: httpx.Client
):
    with stream(server.base_url, "/api/events", params={"heartbeat": 1}) as (response, reader):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        snapshot = reader.next()
        assert snapshot.event == "snapshot" and snapshot.data["object"] == "list"
        assert reader.retry == 1000
        video = http.post("/v1/videos", json={"prompt": "Streamed", "size": "720x1280"}).json()
        events = reader.until(
            lambda e: e.data.get("id") == video["id"] and e.data["status"] in FINAL
        )

    mine = [e.data for e in events if e.event == "job" and e.data["id"] == video["id"]]
    ranks = [RANK[job["status"]] for job in mine]
    progress = [job["progress"] for job in mine]
    assert ranks == sorted(ranks) and progress == sorted(progress)
    assert any(job["status"] == "in_progress" and 0 < job["progress"] < 100 for job in mine)
    numbers = [number(snapshot.id)] + [number(e.id) for e in events]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert {EVENT_ID.match(e.id).group(1) for e in events} == {EVENT_ID.match(snapshot.id).group(1)}

    done = mine[-1]
    assert (done["status"], done["app_status"], done["openai_status"]) == ("completed",) * 3
    assert done["progress"] == 100 and done["phase"] is None and done["error"] is None
    assert re.match(r"^/api/download/gen_[0-9a-z]{26}$", done["video_url"])
    assert (
        done["content_urls"]["thumbnail"] == f"/v1/videos/{video['id']}/content?variant=thumbnail"
    )
    assert http.get(done["generations"][0]["files"]["spritesheet"]).status_code == 200


def test_a_job_stream_ends_after_the_final_event_and_a_late_reconnect_gets_204(
    server: ServerProcess, http: httpx.Client
):
    job_id = generate(http, prompt="Followed", duration=2, width=640, height=360)
    path = f"/api/jobs/{job_id}/events"
    with stream(server.base_url, path) as (response, reader):
        assert response.status_code == 200
        events = reader.rest()  # returns only because the server ends the stream
    assert {e.event for e in events} == {"job"} and {e.data["id"] for e in events} == {job_id}
    assert events[-1].data["status"] == "completed"
    assert [e for e in events if e.data["status"] in FINAL] == events[-1:]

    again = http.get(path, headers={"Last-Event-ID": events[-1].id})
    assert again.status_code == 204 and again.content == b""


def test_a_job_stream_resumed_from_before_a_change_sends_the_state_now(
    server: ServerProcess, http: httpx.Client
):
    cursor = snapshot_id(server.base_url)
    job_id = generate(http, prompt="Missed while away", duration=1, width=256, height=256)
    wait_finished(http, job_id)
    with stream(
        server.base_url, f"/api/jobs/{job_id}/events", headers={"Last-Event-ID": cursor}
    ) as (
        response,
        reader,
    ):
        assert response.status_code == 200
        events = reader.rest()
    assert [(e.event, e.data["status"]) for e in events] == [("job", "completed")]
    assert number(events[0].id) > number(cursor)


def test_the_all_jobs_stream_resumes_without_a_new_snapshot(
    server: ServerProcess, http: httpx.Client
):
    cursor = snapshot_id(server.base_url)
    job_id = generate(http, prompt="Made between connections", duration=1, width=256, height=256)
    wait_finished(http, job_id)
    with stream(server.base_url, "/api/events", headers={"Last-Event-ID": cursor}) as (_, reader):
        events = reader.until(lambda e: e.data.get("id") == job_id)
    assert "snapshot" not in {e.event for e in events}
    assert events[-1].event == "job" and events[-1].data["status"] == "completed"


@pytest.mark.parametrize("stale", ["00000000-3", "garbage", "12345678-99999999"])
def test_an_id_the_server_cannot_resume_from_gets_a_fresh_snapshot(
    server: ServerProcess, stale: str
):
    with stream(server.base_url, "/api/events", headers={"Last-Event-ID": stale}) as (_, reader):
        assert reader.next().event == "snapshot"


def test_deleting_a_running_job_is_pushed_and_ends_its_stream(
    server: ServerProcess, http: httpx.Client
):
    job_id = generate(http, prompt="Doomed", duration=30, width=1920, height=1080)
    with (
        stream(server.base_url, f"/api/jobs/{job_id}/events") as (_, job_reader),
        stream(server.base_url, "/api/events") as (_, all_reader),
    ):
        all_reader.next()  # the snapshot
        job_reader.until(lambda e: e.data["status"] == "in_progress")
        assert http.delete(f"/v1/videos/{job_id}").status_code == 200
        ending = job_reader.rest()
        gone = all_reader.until(lambda e: e.event == "deleted" and e.data["id"] == job_id)
    deleted = {"id": job_id, "object": "job.deleted", "deleted": True}
    assert ending[-1].event == "deleted" and ending[-1].data == deleted
    assert gone[-1].data == deleted

    path = f"/api/jobs/{job_id}/events"
    assert http.get(path, headers={"Last-Event-ID": ending[-1].id}).status_code == 204
    with stream(server.base_url, path, headers={"Last-Event-ID": "00000000-1"}) as (_, reader):
        assert [e.event for e in reader.rest()] == ["deleted"]  # a follower from before
    unknown = http.get(path)
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Job not found"}


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("idle-events") / "data", workers=0) as server:
        yield server


def test_idle_streams_send_keepalive_comments(idle_server: ServerProcess):
    with stream(idle_server.base_url, "/api/events", params={"heartbeat": 1}) as (_, reader):
        reader.next()
        started = time.monotonic()
        reader.read_comments(2)
        assert reader.comments == ["keepalive", "keepalive"]
        # Paced, not sent at once; the upper bound only catches a stream that stalls (a loaded
        # CI machine took 4.0 s once for the two 1 s keepalives).
        assert 1.5 < time.monotonic() - started < 10


def test_a_queued_job_stream_starts_with_its_state(idle_server: ServerProcess):
    with httpx.Client(base_url=idle_server.base_url) as http:
        job_id = generate(http, prompt="Waiting", duration=1, width=256, height=256)
    with stream(idle_server.base_url, f"/api/jobs/{job_id}/events") as (_, reader):
        first = reader.next()
    assert (first.event, first.data["id"], first.data["status"]) == ("job", job_id, "queued")
    assert (first.data["app_status"], first.data["progress"]) == ("queued", 0)
    assert first.data["video_url"] is None and first.data["generations"] == []


def test_the_heartbeat_parameter_is_validated(idle_server: ServerProcess):
    response = httpx.get(f"{idle_server.base_url}/api/events", params={"heartbeat": 0})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "heartbeat"


def test_open_streams_do_not_hold_up_a_server_shutdown(tmp_path: Path):
    """uvicorn waits up to 10 s (`reelgate serve`'s graceful timeout) for open responses."""
    server = ServerProcess(tmp_path / "data", workers=0)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url) as http:
            job_id = generate(http, prompt="Queued forever", duration=1, width=256, height=256)
        with (
            stream(server.base_url, "/api/events") as (_, all_reader),
            stream(server.base_url, f"/api/jobs/{job_id}/events") as (_, job_reader),
        ):
            all_reader.next()
            job_reader.next()
            started = time.monotonic()
            server.stop()
            elapsed = time.monotonic() - started
            assert all_reader.rest() == [] and job_reader.rest() == []  # ended, not broken
    finally:
        server.stop(kill=True)
    assert elapsed < 5, f"shutdown took {elapsed:.1f} s"


def test_a_stream_stops_when_its_client_leaves(tmp_path: Path):
    """In-process server (still real HTTP on loopback) so the stream count can be read."""
    app = create_app(Settings(data_dir=tmp_path / "data", workers=0))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        with stream(base, "/api/events") as (_, first), stream(base, "/api/events") as (_, second):
            first.next()
            second.next()
            assert app.state.job_journal.open_streams == 2
        deadline = time.monotonic() + 5
        while app.state.job_journal.open_streams:
            assert time.monotonic() < deadline, "the streams kept running after their clients left"
            time.sleep(0.02)
    finally:
        server.should_exit = True
        thread.join(10)
    assert not thread.is_alive()


def test_the_journal_coalesces_changes_and_knows_how_far_back_it_reaches():
    """The rules behind resuming, without a server: a small journal, fed by real notices."""

    async def scenario() -> None:
        events = JobEvents()
        journal = ChangeJournal(events, capacity=4)
        for job_id in ("a", "b", "a", "c"):
            events.publish(job_id)
            await asyncio.sleep(0)  # one notice at a time, so each gets its own number
            await asyncio.sleep(0)
        assert journal.head == 4
        assert journal.changes_after(0) == [(2, "b"), (3, "a"), (4, "c")]
        assert journal.changes_after(3) == [(4, "c")]
        assert journal.changes_after(4) == []
        assert journal.changes_after(5) is None  # from the future: not ours
        events.publish("d")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert journal.changes_after(0) is None  # notice 1 fell out: a gap
        assert journal.changes_after(1) == [(2, "b"), (3, "a"), (4, "c"), (5, "d")]
        assert journal.cursor_of(journal.event_id(1)) == 1
        assert journal.cursor_of(journal.event_id(0)) is None
        assert journal.cursor_of("deadbeef-1") is None and journal.cursor_of(None) is None
        waiting = asyncio.create_task(journal.wait(5, timeout=5))
        await asyncio.sleep(0)
        journal.close()
        await asyncio.wait_for(waiting, 1)  # closing wakes every waiting stream at once

    asyncio.run(scenario())


@pytest.fixture(scope="module")
def two_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str, str]]:
    """A server without workers whose store holds two keys (alice's, bob's)."""
    data_dir = tmp_path_factory.mktemp("keyed-events") / "data"
    store = open_store(f"sqlite:///{data_dir / 'reelgate.sqlite3'}")
    try:
        keys = KeyStore(store.engine)
        alice, bob = keys.create("alice")[1], keys.create("bob")[1]
    finally:
        store.close()
    with ServerProcess(data_dir, workers=0) as server:
        yield server, alice, bob


def test_a_resumed_job_stream_cannot_tell_another_keys_job_from_none(
    two_keys: tuple[ServerProcess, str, str],
):
    """Resumed with `Last-Event-ID`, another key's job that changed since answers exactly as an
    id that never existed (docs/security.md, "Tenants")."""
    server, alice, bob = two_keys
    as_alice, as_bob = ({"Authorization": f"Bearer {key}"} for key in (alice, bob))
    with stream(server.base_url, "/api/events", headers=as_bob) as (_, reader):
        cursor = reader.next().id
    with httpx.Client(base_url=server.base_url, headers=as_alice, timeout=15) as http:
        alices = generate(http, prompt="Alice's", duration=1, width=256, height=256)
        gone = generate(http, prompt="Alice's, deleted", duration=1, width=256, height=256)
        assert http.delete(f"/v1/videos/{gone}").status_code == 200
        with stream(server.base_url, f"/api/jobs/{alices}/events", headers=as_alice) as (_, own):
            assert own.next().data["id"] == alices  # its owner sees it
    resumed = {**as_bob, "Last-Event-ID": cursor}
    answers = {
        job_id: httpx.get(f"{server.base_url}/api/jobs/{job_id}/events", headers=resumed)
        for job_id in (alices, gone, "video_01nonexistent0000000000000")
    }
    assert {(r.status_code, r.content) for r in answers.values()} == {(204, b"")}, {
        job_id: (r.status_code, r.text) for job_id, r in answers.items()
    }
    # Its owner, resuming from the same point, hears of the deletion.
    own_resumed = {**as_alice, "Last-Event-ID": cursor}
    with stream(server.base_url, f"/api/jobs/{gone}/events", headers=own_resumed) as (_, mine):
        assert [e.event for e in mine.rest()] == ["deleted"]
