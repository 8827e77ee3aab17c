"""What every fake upstream shares: a uvicorn server in a thread, job timing, scripted
misbehaviour (errors, 429 with Retry-After, garbage), submission counting and expiring content."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.media import sample_media
from tests.server import free_port


@dataclass
class Scripted:
    """A canned answer for the next request of one kind (`submit`, `poll`, `content`)."""

    status: int
    body: Any = None  # dict -> JSON; bytes/str -> sent as is
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        if isinstance(self.body, dict):
            return JSONResponse(self.body, status_code=self.status, headers=self.headers)
        return Response(self.body or b"", status_code=self.status, headers=self.headers)


@dataclass
class FakeJob:
    id: str
    created: float
    prompt: str
    params: dict[str, Any]
    deleted: bool = False
    fetched: set[str] = field(default_factory=set)


class FakeUpstream:
    """Subclasses define `routes()` and the document's shapes; this runs them."""

    def __init__(self, *, key: str = "test-key", duration: float = 1.0) -> None:
        self.key = key
        self.duration = duration  # seconds from creation to completion
        self.jobs: dict[str, FakeJob] = {}
        self.submissions = 0
        self.polls = 0
        self.requests: list[
            tuple[str, str, dict[str, str], float]
        ] = []  # method, path, headers, at
        self.expired = False
        self.max_active = 0
        self._scripts: dict[str, deque[Scripted]] = {}
        self._lock = threading.Lock()
        self.media = sample_media()
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, kind: str, *answers: Scripted) -> None:
        """The next requests of `kind` get these answers, in order, before normal service."""
        with self._lock:
            self._scripts.setdefault(kind, deque()).extend(answers)

    def expire(self) -> None:
        """The upstream deletes its content (as real ones do after hours or days)."""
        self.expired = True

    def start(self) -> FakeUpstream:
        app = Starlette(
            routes=self.routes(),
            middleware=[Middleware(BaseHTTPMiddleware, dispatch=self._record)],
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake upstream did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- for subclasses ------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def scripted(self, kind: str) -> Response | None:
        with self._lock:
            queue = self._scripts.get(kind)
            if queue:
                return queue.popleft().response()
        return None

    def new_job(self, job_id: str, prompt: str, params: dict[str, Any]) -> FakeJob:
        with self._lock:
            now = time.time()
            active = sum(1 for job in self.jobs.values() if self.fraction(job, now) < 1)
            self.max_active = max(self.max_active, active + 1)
            self.submissions += 1
            job = FakeJob(job_id, now, prompt, params)
            self.jobs[job_id] = job
            return job

    def fraction(self, job: FakeJob, now: float | None = None) -> float:
        """How far along a job is, 0..1 (1: finished)."""
        elapsed = (now or time.time()) - job.created
        return min(1.0, elapsed / self.duration) if self.duration > 0 else 1.0

    async def _record(self, request: Request, call_next: Any) -> Response:
        self.requests.append(
            (request.method, request.url.path, dict(request.headers), time.monotonic())
        )
        return await call_next(request)
