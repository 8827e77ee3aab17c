"""A fake fal.ai queue (`queue.fal.run`): `POST /{model_id}` with `Authorization: Key ...`;
status, result and cancel URLs under the model's owner and app only (the subpath is used on
submit alone); `IN_QUEUE` with `queue_position`, `IN_PROGRESS` with logs, `COMPLETED` (202 until
then, 200 after); results with the video under a per-model field, on a signed link of another
origin that expires; `{"detail": ...}` errors, FastAPI-style for validation and content policy."""

from __future__ import annotations

import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import FakeJob, FakeUpstream

LINK_SECONDS = 60.0  # how long a signed media link is valid


def detail(status: int, message: str, kind: str | None = None) -> JSONResponse:
    if kind is None:
        return JSONResponse({"detail": message}, status_code=status)
    item = {"loc": ["body", "prompt"], "msg": message, "type": kind}
    return JSONResponse({"detail": [item]}, status_code=status)


class FakeFal(FakeUpstream):
    """Prompts steer the outcome: `unsafe` fails on content policy, `crash` fails in the runner;
    `videos_field` makes the model answer `{"videos": [{"url"}]}` instead of `{"video"}`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cancels: list[str] = []
        self.cancelled: set[str] = set()

    def routes(self) -> list[Route]:
        requests = "/{owner}/{app}/requests/{request_id}"
        return [
            Route(f"{requests}/status", self.status, methods=["GET"]),
            Route(f"{requests}/cancel", self.cancel, methods=["PUT"]),
            Route(requests, self.result, methods=["GET"]),
            Route("/media/{token}.mp4", self.media_file, methods=["GET"]),
            Route("/{model_id:path}", self.submit, methods=["POST"]),
        ]

    def _denied(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Key {self.key}":
            return detail(401, "Invalid or missing key: use 'Authorization: Key <key>'")
        return None

    def _urls(self, owner: str, app: str, request_id: str) -> dict[str, str]:
        base = f"{self.origin}/{owner}/{app}/requests/{request_id}"
        return {
            "response_url": base,
            "status_url": f"{base}/status",
            "cancel_url": f"{base}/cancel",
        }

    async def submit(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("submit")) is not None:
            return scripted
        try:
            body = await request.json()
        except ValueError:
            return detail(400, "the body is not JSON")
        if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
            item = {"loc": ["body", "prompt"], "msg": "Field required", "type": "missing"}
            return JSONResponse({"detail": [item]}, status_code=422)
        parts = request.path_params["model_id"].split("/")
        if len(parts) < 2:
            return detail(404, "Application not found")
        request_id = str(uuid.uuid4())
        job = self.new_job(request_id, body["prompt"], body)
        job.params["_where"] = (parts[0], parts[1])
        job.params["_model"] = "/".join(parts)
        queued = {"status": "IN_QUEUE", "request_id": request_id, "queue_position": 2}
        return JSONResponse({**queued, **self._urls(parts[0], parts[1], request_id)})

    def _job(self, request: Request) -> FakeJob | None:
        job = self.jobs.get(request.path_params["request_id"])
        where = (request.path_params["owner"], request.path_params["app"])
        return job if job is not None and job.params["_where"] == where else None

    def _state(self, job: FakeJob) -> str:
        done = self.fraction(job)
        if job.id in self.cancelled:
            return "CANCELLED"
        return "IN_QUEUE" if done < 0.2 else "IN_PROGRESS" if done < 1 else "COMPLETED"

    async def status(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        self.polls += 1
        if (scripted := self.scripted("poll")) is not None:
            return scripted
        job = self._job(request)
        if job is None:
            return detail(404, "Request not found")
        state = self._state(job)
        urls = self._urls(*job.params["_where"], job.id)
        body: dict[str, Any] = {"status": state, "request_id": job.id, **urls}
        if state == "IN_QUEUE":
            body["queue_position"] = 0 if self.fraction(job) > 0.1 else 1
            return JSONResponse(body, status_code=202)
        body["logs"] = [{"timestamp": "2026-12-07T00:00:00Z", "message": "step", "level": "INFO"}]
        if state == "IN_PROGRESS":
            return JSONResponse(body, status_code=202)
        if state == "CANCELLED":  # fal answers a cancelled request as completed with an error
            body.update(status="COMPLETED", error="Request was cancelled", error_type="cancelled")
        elif "crash" in job.prompt:
            body.update(error="Runner disconnected unexpectedly", error_type="runner_error")
        body["metrics"] = {"inference_time": round(self.duration * 0.8, 3)}
        return JSONResponse(body)

    async def result(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("content")) is not None:
            return scripted
        job = self._job(request)
        if job is None:
            return detail(404, "Request not found")
        if self._state(job) != "COMPLETED":
            return detail(400, "Request is still in progress")
        if "unsafe" in job.prompt:
            return detail(422, "The prompt was flagged by the content checker.",
                          "content_policy_violation")  # fmt: skip
        expires = int(time.time() + LINK_SECONDS)
        # A signed link on another origin ("localhost"), as fal's CDN is: no key goes there.
        video = {
            "url": f"http://localhost:{self.port}/media/{job.id}.mp4?expires={expires}&sig=x",
            "content_type": "video/mp4",
            "file_name": "output.mp4",
            "file_size": len(self.media.video),
        }
        if "videos_field" in job.prompt:
            return JSONResponse({"videos": [video], "seed": 42})
        return JSONResponse({"video": video, "seed": 42})

    async def cancel(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        job = self._job(request)
        if job is None:
            return JSONResponse({"status": "NOT_FOUND"}, status_code=404)
        self.cancels.append(job.id)
        if self._state(job) == "COMPLETED":
            return JSONResponse({"status": "ALREADY_COMPLETED"}, status_code=400)
        self.cancelled.add(job.id)
        return JSONResponse({"status": "CANCELLATION_REQUESTED"}, status_code=202)

    async def media_file(self, request: Request) -> Response:
        if "authorization" in request.headers:
            return detail(400, "unexpected credentials on a signed link")
        expires = float(request.query_params.get("expires", "0"))
        if self.expired or expires < time.time():
            return Response("Request has expired", status_code=403)
        return Response(self.media.video, media_type="video/mp4")
