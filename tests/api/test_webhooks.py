"""Webhooks over real HTTP: a receiver on loopback verifies every delivery with the official SDK,
sees retries with a stable `webhook-id` after it fails, and sees delivery resume after the
server restarts. Bad targets are refused in each dialect's envelope."""

from __future__ import annotations

import base64
import http.server
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import OpenAI

from tests.server import ServerProcess

SECRET = "whsec_" + base64.b64encode(b"reelgate webhook test secret 32b").decode()
ENV = {
    "REELGATE_WEBHOOK_SECRET": SECRET,
    "REELGATE_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
    "REELGATE_WEBHOOK_BACKOFF_SECONDS": "0.3",
    "REELGATE_WEBHOOK_BACKOFF_MAX_SECONDS": "1",
}
HEADER = "Reelgate-Webhook-Url"
SMALL = {"prompt": "A kite over hills", "duration": 1, "width": 256, "height": 256}


@dataclass
class Receiver:
    """An HTTP server on loopback that answers each POST with the next planned status."""

    plan: Callable[[int], int] = lambda _number: 200
    received: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                status = receiver.plan(len(receiver.received) + 1)
                receiver.received.append((dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/reelgate"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} deliveries"
            time.sleep(0.05)

    def events(self) -> list[Any]:
        """Every delivery, verified and parsed by the official SDK (raises if one is forged)."""
        sdk = OpenAI(api_key="unused", webhook_secret=SECRET)
        return [sdk.webhooks.unwrap(body, headers) for headers, body, _ in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


def deliveries(http: httpx.Client, job_id: str) -> list[dict[str, Any]]:
    response = http.get("/api/webhooks/deliveries", params={"job_id": job_id})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


@pytest.mark.slow
def test_completion_and_failure_are_signed_retried_and_logged(tmp_path: Path, receiver: Receiver):
    receiver.plan = lambda number: 500 if number <= 2 else 200  # the first two attempts fail
    with (
        ServerProcess(tmp_path / "data", env=ENV) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        made = http.post("/api/generate", json=SMALL, headers={HEADER: receiver.url})
        assert made.status_code == 200, made.text
        job_id = made.json()["job_id"]
        receiver.wait_for(3)
        events = receiver.events()
        assert {(e.type, e.data.id, e.object) for e in events} == {
            ("video.completed", job_id, "event")
        }
        ids = {headers["webhook-id"] for headers, _, _ in receiver.received}
        assert ids == {events[0].id} and events[0].id.startswith("evt_")
        assert len({body for _, body, _ in receiver.received}) == 1  # identical retries
        wait_until(lambda: deliveries(http, job_id)[0]["status"] == "delivered")
        (logged,) = deliveries(http, job_id)
        assert [a["status_code"] for a in logged["attempt_log"]] == [500, 500, 200]
        assert logged["attempts"] == 3 and logged["url"] == receiver.url
        gaps = [b["started_at"] - a["started_at"] for a, b in pairwise(logged["attempt_log"])]
        assert all(gap >= 0.25 for gap in gaps)  # backed off, not hammered

        # A job that fails (blocked prompt), made through the OpenAI dialect with the header.
        failed = http.post(
            "/v1/videos", json={"prompt": "A massacre at dawn"}, headers={HEADER: receiver.url}
        ).json()
        receiver.wait_for(4)
        last = receiver.events()[-1]
        assert (last.type, last.data.id) == ("video.failed", failed["id"])

        # Redelivery on demand: the same event id again.
        again = http.post(f"/api/webhooks/deliveries/{logged['id']}/redeliver")
        assert again.status_code == 200
        receiver.wait_for(5)
        assert receiver.received[-1][0]["webhook-id"] == logged["id"]
        assert http.get("/api/webhooks/deliveries/nope").status_code == 404


@pytest.mark.slow
def test_delivery_resumes_after_a_restart(tmp_path: Path, receiver: Receiver):
    receiver.plan = lambda _number: 503  # down for now
    server = ServerProcess(tmp_path / "data", env=ENV)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            job_id = http.post(
                "/openai/v1/video/generations/jobs?api-version=preview",
                json={"prompt": "A lighthouse", "model": "sora", "width": 480, "height": 480,
                      "n_seconds": 1},
                headers={HEADER: receiver.url},
            ).json()["id"]  # fmt: skip
            receiver.wait_for(1)
        server.stop()
        tried = len(receiver.received)
        receiver.plan = lambda _number: 200  # back up while reelgate is down
        time.sleep(1.5)
        assert len(receiver.received) == tried  # nobody delivers while the server is down
        server.start()
        receiver.wait_for(tried + 1)
        headers, _, status = receiver.received[-1]
        first_id = receiver.received[0][0]["webhook-id"]
        assert status == 200 and headers["webhook-id"] == first_id
        (event,) = {(e.type, e.data.id) for e in receiver.events()}
        assert event == ("video.completed", job_id)
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            wait_until(lambda: deliveries(http, job_id)[0]["status"] == "delivered")
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("path", "body", "error_of"),
    [
        ("/v1/videos", {"prompt": "x"}, lambda b: b["error"]["message"]),
        (
            "/openai/v1/video/generations/jobs?api-version=preview",
            {"prompt": "x", "model": "sora", "width": 480, "height": 480},
            lambda b: b["error"]["message"],
        ),
        ("/api/generate", {"prompt": "x"}, lambda b: b["detail"]),
    ],
)
def test_unsafe_targets_are_refused_in_each_dialect(http: httpx.Client, path, body, error_of):
    for target in ("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:9/x", "ftp://x"):
        response = http.post(path, json=body, headers={HEADER: target})
        assert response.status_code == 400, response.text
        assert "webhook" in error_of(response.json()).lower()


# Hosts the checks once let through: numbers the sender's parser refuses (the delivery stayed
# pending for ever), and IPv6 forms of private IPv4 addresses.
SLIPPED_THROUGH = ["http://1.1.1.01/h", "http://0x7f.1/h", "http://2130706433/h",
                   "http://[::a00:1]/h", "http://[::ffff:10.0.0.1]/h", "http://[64:ff9b::a00:1]/h",
                   "http://[2002:a00:1::]/h", "http://[2002:7f00:1::]:9/h"]  # fmt: skip


@pytest.mark.parametrize("target", SLIPPED_THROUGH)
def test_targets_that_could_never_be_delivered_are_refused(http: httpx.Client, target: str):
    openai_style = http.post("/v1/videos", json={"prompt": "x"}, headers={HEADER: target})
    assert openai_style.status_code == 400, openai_style.text
    error = openai_style.json()["error"]
    assert error["param"] == HEADER and error["message"].startswith("Invalid webhook: ")
    azure = http.post(
        "/openai/v1/video/generations/jobs",
        json={"prompt": "x", "model": "sora", "width": 480, "height": 480},
        headers={HEADER: target},
    )
    assert azure.status_code == 400 and azure.json()["error"]["param"] == HEADER, azure.text
    app = http.post("/api/generate", json={**SMALL, "webhook_url": target})
    assert app.status_code == 400 and "Invalid webhook" in app.json()["detail"], app.text


def test_a_host_only_the_senders_parser_refuses_is_refused(http: httpx.Client):
    response = http.post("/api/generate", json={**SMALL, "webhook_url": "http://\u2603.example/h"})
    assert response.status_code == 400, response.text
    assert "Invalid IDNA hostname" in response.json()["detail"]


def test_the_app_api_takes_the_target_as_a_field_too(http: httpx.Client):
    response = http.post("/api/generate", json={**SMALL, "webhook_url": "http://10.0.0.8/h"})
    assert response.status_code == 400 and "webhook" in response.json()["detail"]


def pairwise(items: list[Any]) -> list[tuple[Any, Any]]:
    return list(itertools.pairwise(items))
