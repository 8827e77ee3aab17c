"""The OpenAI dialect (`/v1`): the Videos, Images and Models APIs in OpenAI's own terms.

`videos.py` and `images.py` parse requests and render answers, `errors.py` is the envelope
(`{"error": {message, type, param, code}}`), `schemas.py` the documented shapes. The work itself
is the core's (`core/jobs.py`, `core/images.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from reelgate.api.openai import characters, files, images, models, videos
from reelgate.api.server.envelopes import DialectPrefixes
from reelgate.api.short_way.routes import Endpoint, FastRoute, ShortcutFastAPI


def fast_routes(
    prefix: str, wrap: Callable[[Endpoint], Endpoint] = lambda endpoint: endpoint
) -> tuple[FastRoute, ...]:
    """Status polls and content downloads (a ranged download is a request a MiB), matched before
    FastAPI's routes and its own layers (api/short_way/routes.py). `wrap`: what a mounting
    dialect adds to each endpoint (Azure checks its `api-version`)."""
    return tuple(
        FastRoute(prefix + path, wrap(endpoint), videos.ENVELOPE)
        for path, endpoint in (
            ("/videos/{video_id}", videos.retrieve_video),
            ("/videos/{video_id}/content", videos.video_content_fast),
        )
    )


def mount(app: ShortcutFastAPI, prefixes: DialectPrefixes) -> None:
    app.include_router(characters.router, prefix="/v1")  # before /videos/{video_id}/...
    app.include_router(videos.router, prefix="/v1")
    app.include_router(models.router, prefix="/v1")
    app.include_router(images.router, prefix="/v1")
    app.include_router(files.router, prefix="/v1")
    app.add_shortcuts(fast_routes("/v1"))
    prefixes.add("/v1", videos.ENVELOPE)
