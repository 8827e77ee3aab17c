"""The web page: plain HTML, CSS and JavaScript modules (no build step), served by reelgate.

It talks only to the app API (`/api/...`) and its job-event stream, like any other client.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import FileResponse

STATIC_DIR = Path(__file__).parent / "static"


def mount_web_page(app: FastAPI) -> None:
    """The page at `/` and its files under `/web/`."""
    app.mount("/web", StaticFiles(directory=STATIC_DIR), name="web")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        # no-cache: revalidate, so a new version of the page is seen at once after an upgrade.
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})
