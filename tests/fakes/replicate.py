"""A fake Replicate API: predictions made through `POST /v1/models/{owner}/{name}/predictions`
or `POST /v1/predictions` with a `version` (201), each with `urls.get` and `urls.cancel`;
`starting` -> `processing` (tqdm progress in `logs`) -> `succeeded` (`output`, a delivery URL on
another origin that expires) or `failed` (`error`); problem documents for errors."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import FakeJob, FakeUpstream

LINK_SECONDS = 60.0
VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"title": title, "detail": detail, "status": status}, status_code=status)


class FakeReplicate(FakeUpstream):
    """`unsafe` in a prompt fails with E005; `list_output` answers a list of URLs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cancelled: set[str] = set()

    def routes(self) -> list[Route]:
        return [
            Route("/v1/models/{owner}/{name}/predictions", self.create, methods=["POST"]),
            Route("/v1/predictions", self.create, methods=["POST"]),
            Route("/v1/predictions/{pid}", self.get, methods=["GET"]),
            Route("/v1/predictions/{pid}/cancel", self.cancel, methods=["POST"]),
            Route("/delivery/{pid}/output.mp4", self.delivery, methods=["GET"]),
        ]

    def _denied(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return problem(401, "Unauthenticated", "You did not pass a valid authentication token")
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("submit")) is not None:
            return scripted
        body = await request.json()
        if "owner" in request.path_params:
            model = f"{request.path_params['owner']}/{request.path_params['name']}"
            version = None
        elif body.get("version") == VERSION:
            model, version = "acme/video-model", VERSION
        else:
            detail = "The specified version does not exist (or you cannot use it)."
            return problem(422, "Invalid version or not permitted", detail)
        inputs = body.get("input")
        if not isinstance(inputs, dict) or not isinstance(inputs.get("prompt"), str):
            return problem(422, "Input validation failed", "- input: prompt is required")
        pid = uuid.uuid4().hex[:26]
        job = self.new_job(pid, inputs["prompt"], {"input": inputs, "model": model,
                                                    "version": version})  # fmt: skip
        return JSONResponse(self.resource(job), status_code=201)

    async def get(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        self.polls += 1
        if (scripted := self.scripted("poll")) is not None:
            return scripted
        job = self.jobs.get(request.path_params["pid"])
        if job is None:
            return problem(404, "Not found", "The requested resource could not be found.")
        return JSONResponse(self.resource(job))

    async def cancel(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        job = self.jobs.get(request.path_params["pid"])
        if job is None:
            return problem(404, "Not found", "The requested resource could not be found.")
        if self.fraction(job) < 1:
            self.cancelled.add(job.id)
        return JSONResponse(self.resource(job))

    async def delivery(self, request: Request) -> Response:
        if "authorization" in request.headers:
            return problem(400, "Bad request", "credentials sent to a delivery URL")
        if self.expired or float(request.query_params.get("expires", "0")) < time.time():
            return Response("Not Found", status_code=404)
        return Response(self.media.video, media_type="video/mp4")

    def resource(self, job: FakeJob) -> dict[str, Any]:
        done = self.fraction(job)
        base = f"{self.origin}/v1/predictions/{job.id}"
        created = datetime.fromtimestamp(job.created, UTC).isoformat().replace("+00:00", "Z")
        body: dict[str, Any] = {
            "id": job.id,
            "model": job.params["model"],
            "version": job.params["version"] or "hidden",
            "input": job.params["input"],
            "logs": "",
            "output": None,
            "error": None,
            "status": "starting",
            "created_at": created,
            "urls": {"get": base, "cancel": f"{base}/cancel", "web": f"{self.origin}/p/{job.id}"},
        }
        if job.id in self.cancelled:
            return {**body, "status": "canceled"}
        if done < 0.2:
            return body
        if done < 1:
            percent = int(done * 100)
            logs = f"Generating...\n{percent:3d}%|#####     | {percent}/100 [00:01<00:01]\n"
            return {**body, "status": "processing", "logs": logs}
        if "unsafe" in job.prompt:
            error = "The input or output was flagged as sensitive. Please try again (E005)"
            return {**body, "status": "failed", "error": error}
        expires = int(time.time() + LINK_SECONDS)
        url = f"http://localhost:{self.port}/delivery/{job.id}/output.mp4?expires={expires}"
        output: Any = [url] if "list_output" in job.prompt else url
        return {**body, "status": "succeeded", "output": output,
                "metrics": {"predict_time": round(self.duration, 2)}}  # fmt: skip
