"""The baseline for bench_polling.py: a bare Starlette endpoint answering a stored video's JSON.

It returns the same bytes reelgate returns for `GET /v1/videos/{id}`, from memory, with no
database, validation or middleware: the cost of the server stack alone.
"""

from __future__ import annotations

import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = os.environ["BARE_BODY"].encode()
HEADERS = json.loads(os.environ.get("BARE_HEADERS", "{}"))


async def video(_request: Request) -> Response:
    return Response(BODY, media_type="application/json", headers=HEADERS)


app = Starlette(routes=[Route("/v1/videos/{video_id}", video)])
