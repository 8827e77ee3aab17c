"""A fake Gemini API for Veo: `models/{model}:predictLongRunning` with `x-goog-api-key`,
operations polled by name until `done`, `generateVideoResponse.generatedSamples[].video.uri`
links that redirect to the file and expire, responsible-AI filtering counts, and google.rpc
error envelopes (`{"error": {"code", "message", "status"}}`)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.base import FakeJob, FakeUpstream

_STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
           429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}  # fmt: skip


def error(status: int, message: str) -> JSONResponse:
    body = {"error": {"code": status, "message": message, "status": _STATUS[status]}}
    return JSONResponse(body, status_code=status)


class FakeVeo(FakeUpstream):
    prefix = "/v1beta"

    def routes(self) -> list[Route]:
        p = self.prefix
        return [
            Route(f"{p}/models/{{model}}:predictLongRunning", self.create, methods=["POST"]),
            Route(f"{p}/models/{{model}}/operations/{{op}}", self.operation, methods=["GET"]),
            Route(f"{p}/files/{{file_id}}:download", self.download, methods=["GET"]),
            Route("/storage/{file_id}.mp4", self.storage, methods=["GET"]),
        ]

    def _denied(self, request: Request) -> Response | None:
        if request.headers.get("x-goog-api-key") != self.key:
            return error(403, "API key not valid. Please pass a valid API key.")
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("submit")) is not None:
            return scripted
        body = await request.json()
        instances = body.get("instances")
        if not isinstance(instances, list) or len(instances) != 1 or "prompt" not in instances[0]:
            return error(400, "instances must hold one instance with a prompt")
        parameters = body.get("parameters") or {}
        if parameters.get("aspectRatio", "16:9") not in ("16:9", "9:16"):
            return error(400, "aspectRatio must be 16:9 or 9:16")
        if parameters.get("durationSeconds", 8) not in (4, 5, 6, 8):
            return error(400, "durationSeconds must be 4, 5, 6 or 8")
        model = request.path_params["model"]
        name = f"models/{model}/operations/{uuid.uuid4().hex[:12]}"
        job = self.new_job(name, instances[0]["prompt"], {**parameters, **instances[0]})
        job.params["file_ids"] = [uuid.uuid4().hex for _ in range(parameters.get("sampleCount", 1))]
        return JSONResponse({"name": name})

    async def operation(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        self.polls += 1
        if (scripted := self.scripted("poll")) is not None:
            return scripted
        name = f"models/{request.path_params['model']}/operations/{request.path_params['op']}"
        job = self.jobs.get(name)
        if job is None:
            return error(404, f"Operation {name} not found.")
        return JSONResponse(self.resource(job))

    async def download(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if request.query_params.get("alt") != "media":
            return error(400, "alt=media is required")
        file_id = request.path_params["file_id"]
        if self.expired or not any(file_id in j.params["file_ids"] for j in self.jobs.values()):
            return error(404, "File not found (it may have expired).")
        # Real links redirect to signed storage on another host ("localhost" is another origin).
        storage = f"http://localhost:{self.port}/storage/{file_id}.mp4"
        return RedirectResponse(storage, status_code=302)

    async def storage(self, request: Request) -> Response:
        if self.expired:
            return error(404, "The file has expired.")
        if "x-goog-api-key" in request.headers:  # a signed storage URL: keys never go there
            return error(400, "unexpected credentials")
        return Response(self.media.video, media_type="video/mp4")

    def resource(self, job: FakeJob) -> dict[str, Any]:
        done = self.fraction(job)
        body: dict[str, Any] = {
            "name": job.id,
            "metadata": {
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta."
                "PredictLongRunningMetadata"
            },
            "done": done >= 1,
        }
        if done < 1:
            return body
        if "filtered" in job.prompt:
            samples: list[Any] = []
            reasons = ["The video was filtered by safety checks."]
            extra = {"raiMediaFilteredCount": 1, "raiMediaFilteredReasons": reasons}
        else:
            samples = [
                {"video": {"uri": f"{self.origin}{self.prefix}/files/{fid}:download?alt=media"}}
                for fid in job.params["file_ids"]
            ]
            extra = {}
        body["response"] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta."
            "PredictLongRunningResponse",
            "generateVideoResponse": {"generatedSamples": samples, **extra},
        }
        return body
