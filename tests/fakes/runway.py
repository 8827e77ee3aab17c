"""A fake Runway API: `POST /v1/text_to_video` and `/v1/image_to_video` with a Bearer key and
`X-Runway-Version`, tasks at `GET /v1/tasks/{id}` moving `PENDING` -> `THROTTLED` -> `RUNNING`
(with `progress`) -> `SUCCEEDED` (`output`: signed links on another origin that expire) or
`FAILED` (`failure`, `failureCode`); `DELETE` cancels; errors are `{"error": ...}`."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import FakeJob, FakeUpstream

VERSION = "2024-11-06"
RATIOS = {"1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672", "1920:1080",
          "1080:1920"}  # fmt: skip
LINK_SECONDS = 60.0


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


class FakeRunway(FakeUpstream):
    """`unsafe` in a prompt fails the task on `SAFETY.INPUT.TEXT`; `broken` on an internal
    error."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cancelled: set[str] = set()
        self.endpoints: dict[str, str] = {}  # task id -> the endpoint it was made through

    def routes(self) -> list[Route]:
        return [
            Route("/v1/text_to_video", self.create, methods=["POST"]),
            Route("/v1/image_to_video", self.create, methods=["POST"]),
            Route("/v1/tasks/{task_id}", self.task, methods=["GET", "DELETE"]),
            Route("/signed/{task_id}.mp4", self.signed, methods=["GET"]),
        ]

    def _denied(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return error(401, "Invalid API key")
        if request.headers.get("x-runway-version") != VERSION:
            return error(400, "X-Runway-Version header is missing or invalid")
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("submit")) is not None:
            return scripted
        body = await request.json()
        image_to_video = request.url.path.endswith("image_to_video")
        issues = []
        if not isinstance(body.get("promptText"), str) and not image_to_video:
            issues.append({"path": ["promptText"], "message": "Required"})
        if image_to_video and not str(body.get("promptImage", "")).startswith(
            ("https://", "data:image/")
        ):
            issues.append({"path": ["promptImage"], "message": "Invalid URL or data URI"})
        if body.get("ratio") not in RATIOS:
            issues.append({"path": ["ratio"], "message": "Invalid enum value"})
        durations = (5, 10) if body.get("model") == "gen4_turbo" else range(2, 11)
        if body.get("duration") not in durations:
            issues.append({"path": ["duration"], "message": f"Expected one of {list(durations)}"})
        if issues:
            return error(400, "Validation of body failed", issues=issues)
        task_id = str(uuid.uuid4())
        self.new_job(task_id, body.get("promptText") or "", body)
        self.endpoints[task_id] = request.url.path
        return JSONResponse({"id": task_id})

    async def task(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        job = self.jobs.get(request.path_params["task_id"])
        if job is None or job.deleted:
            return error(404, "Task not found")
        if request.method == "DELETE":
            if self.fraction(job) < 1:
                self.cancelled.add(job.id)
            else:
                job.deleted = True
            return Response(status_code=204)
        self.polls += 1
        if (scripted := self.scripted("poll")) is not None:
            return scripted
        return JSONResponse(self.resource(job))

    async def signed(self, request: Request) -> Response:
        if "authorization" in request.headers:
            return error(400, "credentials sent to a signed link")
        if self.expired or float(request.query_params.get("_exp", "0")) < time.time():
            return Response("AccessDenied: Request has expired", status_code=403)
        return Response(self.media.video, media_type="video/mp4")

    def resource(self, job: FakeJob) -> dict[str, Any]:
        created = datetime.fromtimestamp(job.created, UTC).isoformat().replace("+00:00", "Z")
        body: dict[str, Any] = {"id": job.id, "createdAt": created}
        done = self.fraction(job)
        if job.id in self.cancelled:
            return {**body, "status": "CANCELLED"}
        if done < 0.15:
            return {**body, "status": "PENDING"}
        if done < 0.3:
            return {**body, "status": "THROTTLED"}
        if done < 1:
            return {**body, "status": "RUNNING", "progress": round(done, 2)}
        if "unsafe" in job.prompt:
            return {**body, "status": "FAILED", "failure": "The prompt did not pass moderation.",
                    "failureCode": "SAFETY.INPUT.TEXT"}  # fmt: skip
        if "broken" in job.prompt:
            return {**body, "status": "FAILED", "failure": "An unexpected error occurred.",
                    "failureCode": "INTERNAL.BAD_OUTPUT.CODE01"}  # fmt: skip
        expires = int(time.time() + LINK_SECONDS)
        link = f"http://localhost:{self.port}/signed/{job.id}.mp4?_exp={expires}&_sig=abc"
        return {**body, "status": "SUCCEEDED", "output": [link]}
