"""A fake OpenAI Videos (and Images) API, after OpenAI's OpenAPI document: `VideoResource`
shapes, `queued -> in_progress -> completed`, `openai-poll-after-ms`, the error envelope,
cursor pagination, and content that expires."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.base import FakeJob, FakeUpstream

SIZES = {"720x1280", "1280x720", "1024x1792", "1792x1024"}
SECONDS = {"4", "8", "12"}


def error(status: int, message: str, *, code: str | None = None, param: str | None = None):
    kind = "invalid_request_error" if status < 500 else "server_error"
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


class FakeOpenAI(FakeUpstream):
    prefix = "/v1"

    def routes(self) -> list[Route]:
        p = self.prefix
        return [
            Route(f"{p}/videos", self.create, methods=["POST"]),
            Route(f"{p}/videos", self.list, methods=["GET"]),
            Route(f"{p}/videos/{{video_id}}", self.retrieve, methods=["GET"]),
            Route(f"{p}/videos/{{video_id}}", self.delete, methods=["DELETE"]),
            Route(f"{p}/videos/{{video_id}}/content", self.content, methods=["GET"]),
            Route(f"{p}/images/generations", self.images, methods=["POST"]),
            Route(f"{p}/images/variations", self.variations, methods=["POST"]),
        ]

    def _denied(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return error(401, "Incorrect API key provided.", code="invalid_api_key")
        return None

    async def create(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("submit")) is not None:
            return scripted
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form()
            fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
            fields["has_reference"] = "input_reference" in form
        else:
            fields = await request.json()
        prompt = fields.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            return error(400, "Missing required parameter: 'prompt'.", param="prompt")
        if str(fields.get("seconds", "4")) not in SECONDS:
            return error(400, f"Invalid value: '{fields.get('seconds')}'.", param="seconds")
        if fields.get("size", "720x1280") not in SIZES:
            return error(400, f"Invalid value: '{fields.get('size')}'.", param="size")
        if "forbidden" in prompt:
            return error(
                400,
                "Your request was blocked by our moderation system.",
                code="moderation_blocked",
            )
        job = self.new_job(f"video_{uuid.uuid4().hex}", prompt, fields)
        return JSONResponse(self.resource(job))

    async def list(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        limit = int(request.query_params.get("limit", "20"))
        after = request.query_params.get("after")
        ordered = sorted(self.jobs.values(), key=lambda job: job.created, reverse=True)
        ids = [job.id for job in ordered]
        start = ids.index(after) + 1 if after in ids else 0
        page = ordered[start : start + limit]
        data = [self.resource(job) for job in page]
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": start + limit < len(ordered),
            }
        )

    async def retrieve(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        self.polls += 1
        if (scripted := self.scripted("poll")) is not None:
            return scripted
        job = self.jobs.get(request.path_params["video_id"])
        if job is None or job.deleted:
            return error(404, "Video not found.", code="not_found")
        headers = {"openai-poll-after-ms": "100"}
        return JSONResponse(self.resource(job), headers=headers)

    async def delete(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        job = self.jobs.get(request.path_params["video_id"])
        if job is None or job.deleted:
            return error(404, "Video not found.", code="not_found")
        job.deleted = True
        return JSONResponse({"id": job.id, "object": "video.deleted", "deleted": True})

    async def content(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("content")) is not None:
            return scripted
        job = self.jobs.get(request.path_params["video_id"])
        if job is None or job.deleted:
            return error(404, "Video not found.", code="not_found")
        if self.fraction(job) < 1:
            return error(404, f"Video is not ready yet: '{job.id}'.", code="not_ready")
        if self.expired:
            return error(404, "The video's content has expired.", code="content_expired")
        variant = request.query_params.get("variant", "video")
        body, media_type = {
            "video": (self.media.video, "video/mp4"),
            "thumbnail": (self.media.thumbnail_webp, "image/webp"),
            "spritesheet": (self.media.spritesheet, "image/jpeg"),
        }[variant]
        job.fetched.add(variant)
        return Response(body, media_type=media_type)

    async def images(self, request: Request) -> Response:
        if (denied := self._denied(request)) is not None:
            return denied
        if (scripted := self.scripted("submit")) is not None:
            return scripted
        body = await request.json()
        self.submissions += 1
        picture = base64.b64encode(self.media.png).decode()
        return JSONResponse(
            {
                "created": int(time.time()),
                "data": [{"b64_json": picture} for _ in range(int(body.get("n", 1)))],
            }
        )

    async def variations(self, request: Request) -> Response:
        """DALL-E 2 variations: multipart; the fields it got are kept in `variation_fields`."""
        if (denied := self._denied(request)) is not None:
            return denied
        form = await request.form()
        image = form["image"]
        fields = {name: value for name, value in form.items() if isinstance(value, str)}
        assert not isinstance(image, str)
        self.variation_fields = {**fields, "image_bytes": str(len(await image.read()))}
        self.submissions += 1
        picture = base64.b64encode(self.media.png).decode()
        data = [{"b64_json": picture} for _ in range(int(fields.get("n", 1)))]
        return JSONResponse({"created": int(time.time()), "data": data})

    def resource(self, job: FakeJob) -> dict[str, Any]:
        done = self.fraction(job)
        status = "completed" if done >= 1 else ("queued" if done < 0.2 else "in_progress")
        return {
            "id": job.id,
            "object": "video",
            "model": job.params.get("model", "sora-2"),
            "status": status,
            "progress": round(done * 100),
            "created_at": int(job.created),
            "completed_at": int(job.created + self.duration) if done >= 1 else None,
            "expires_at": int(job.created + 3600),
            "prompt": job.prompt,
            "size": job.params.get("size", "720x1280"),
            "seconds": str(job.params.get("seconds", "4")),
            "remixed_from_video_id": None,
            "error": None,
        }
