"""Swagger UI at `/api/docs`, served by reelgate itself: FastAPI's default page loads its
script and styles from a CDN, which is a blank page offline (where reelgate is meant to work).
The assets come pinned from the `swagger-ui-py` package (Swagger UI 5, which reads the
OpenAPI 3.1 document FastAPI writes)."""

from __future__ import annotations

import importlib.resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

DOCS_URL = "/api/docs"
ASSETS_URL = f"{DOCS_URL}/assets"


def mount_api_docs(app: FastAPI, openapi_url: str) -> None:
    assets = importlib.resources.files("swagger_ui") / "static"
    app.mount(ASSETS_URL, StaticFiles(directory=str(assets)), name="swagger-ui")

    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API docs",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url="/web/icon.svg",
        )

    app.add_api_route(DOCS_URL, swagger_ui, methods=["GET"], include_in_schema=False)
