"""A fake Azure OpenAI video-jobs API (v1 preview, seed 000): `api-key` auth, `api-version`,
JSON or multipart creates validated against the documented sizes, `queued -> preprocessing ->
running -> processing -> succeeded`, generations with video / `quality=low` / thumbnail content,
`failure_reason`, list pagination, 204 deletes, and content that expires."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import FakeJob, FakeUpstream

SIZES = {(480, 480), (854, 480), (720, 720), (1280, 720), (1080, 1080), (1920, 1080)}
SIZES |= {(h, w) for w, h in SIZES}
_PHASES = ((0.15, "queued"), (0.35, "preprocessing"), (0.7, "running"), (1.0, "processing"))


def error(status: int, code: str, message: str, param: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if param:
        body["error"]["param"] = param
    return JSONResponse(body, status_code=status)


class FakeAzureJobs(FakeUpstream):
    prefix = "/openai/v1"

    def routes(self) -> list[Route]:
        p = f"{self.prefix}/video/generations"
        return [
            Route(f"{p}/jobs", self.create, methods=["POST"]),
            Route(f"{p}/jobs", self.list, methods=["GET"]),
            Route(f"{p}/jobs/{{job_id}}", self.retrieve, methods=["GET"]),
            Route(f"{p}/jobs/{{job_id}}", self.delete, methods=["DELETE"]),
            Route(f"{p}/{{generation_id}}/content/video", self.video, methods=["GET"]),
            Route(f"{p}/{{generation_id}}/content/thumbnail", self.thumbnail, methods=["GET"]),
        ]

    def _denied(self, request: Request) -> Response | None:
        if request.headers.get("api-key") != self.key:
            return error(401, "401", "Access denied due to invalid subscription key.")
        if request.query_params.get("api-version") not in ("preview", "v1"):
            return error(400, "BadRequest", "API version not supported")
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("submit")) is not None:
            return scripted
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form()
            fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
            fields["files"] = [f.filename for f in form.getlist("files") if not isinstance(f, str)]
            fields["inpaint_items"] = json.loads(fields.get("inpaint_items", "[]"))
        else:
            fields = await request.json()
        try:
            width, height = int(fields["width"]), int(fields["height"])
            seconds = int(fields.get("n_seconds", 5))
            variants = int(fields.get("n_variants", 1))
        except (KeyError, ValueError):
            return error(400, "invalid_request", "width and height are required integers")
        if (width, height) not in SIZES:
            return error(400, "invalid_request", f"Unsupported size {width}x{height}.", "width")
        if not 1 <= seconds <= 20 or not 1 <= variants <= 5:
            return error(400, "invalid_request", "n_seconds or n_variants out of range")
        if "forbidden" in fields.get("prompt", ""):
            return error(
                400, "content_policy_violation", "The prompt was blocked by the content filter."
            )
        job = self.new_job(f"task_{uuid.uuid4().hex}", fields.get("prompt", ""), fields)
        job.params["generation_ids"] = [f"gen_{uuid.uuid4().hex}" for _ in range(variants)]
        return JSONResponse(self.resource(job))

    async def list(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        limit = int(request.query_params.get("limit", "10"))
        after = request.query_params.get("after")
        ordered = sorted(self.jobs.values(), key=lambda job: job.created, reverse=True)
        ids = [job.id for job in ordered]
        start = ids.index(after) + 1 if after in ids else 0
        data = [self.resource(job) for job in ordered[start : start + limit]]
        body: dict[str, Any] = {
            "object": "list",
            "data": data,
            "has_more": start + limit < len(ordered),
        }
        if data:
            body |= {"first_id": data[0]["id"], "last_id": data[-1]["id"]}
        return JSONResponse(body)

    async def retrieve(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        self.polls += 1
        if (scripted := self.scripted("poll")) is not None:
            return scripted
        job = self.jobs.get(request.path_params["job_id"])
        if job is None or job.deleted:
            return error(404, "NotFound", "The job was not found.")
        return JSONResponse(self.resource(job))

    async def delete(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        job = self.jobs.get(request.path_params["job_id"])
        if job is None or job.deleted:
            return error(404, "NotFound", "The job was not found.")
        job.deleted = True
        return Response(status_code=204)

    async def video(self, request: Request) -> Response:
        found = self._content(request)
        if isinstance(found, Response):
            return found
        low = request.query_params.get("quality") == "low"
        found.fetched.add("low" if low else "video")
        return Response(self.media.low if low else self.media.video, media_type="video/mp4")

    async def thumbnail(self, request: Request) -> Response:
        found = self._content(request)
        if isinstance(found, Response):
            return found
        found.fetched.add("thumbnail")
        return Response(self.media.thumbnail_jpeg, media_type="image/jpg")

    def _content(self, request: Request) -> FakeJob | Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("content")) is not None:
            return scripted
        generation = request.path_params["generation_id"]
        job = next(
            (j for j in self.jobs.values() if generation in j.params["generation_ids"]), None
        )
        if job is None or job.deleted or self.expired:
            return error(404, "NotFound", "The generation was not found.")
        if self.fraction(job) < 1:
            return error(404, "NotFound", "The generation is not ready.")
        return job

    def resource(self, job: FakeJob) -> dict[str, Any]:
        done = self.fraction(job)
        status = "succeeded"
        if done < 1:
            status = next(name for limit, name in _PHASES if done < limit)
        failing = "fails upstream" in job.prompt
        if failing and done >= 1:
            status = "failed"
        body: dict[str, Any] = {
            "object": "video.generation.job",
            "id": job.id,
            "status": status,
            "created_at": int(job.created),
            "expires_at": int(job.created + 24 * 3600),
            "generations": [],
            "prompt": job.prompt,
            "model": job.params.get("model"),
            "n_variants": int(job.params.get("n_variants", 1)),
            "n_seconds": int(job.params.get("n_seconds", 5)),
            "height": int(job.params["height"]),
            "width": int(job.params["width"]),
        }
        if status == "failed":
            body |= {"failure_reason": "output_moderation", "finished_at": int(time.time())}
        if status == "succeeded":
            body["finished_at"] = int(job.created + self.duration)
            body["generations"] = [
                {
                    "object": "video.generation",
                    "id": generation,
                    "job_id": job.id,
                    "created_at": int(job.created),
                    "width": body["width"],
                    "height": body["height"],
                    "n_seconds": body["n_seconds"],
                    "prompt": job.prompt,
                }
                for generation in job.params["generation_ids"]
            ]
        return body
