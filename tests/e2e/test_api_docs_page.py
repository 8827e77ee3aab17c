"""The Swagger UI at `/api/docs` renders reelgate's operations in a browser that may reach
nothing but the server: the page is useful offline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.server import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("docs") / "data", workers=0) as process:
        yield process


def test_swagger_ui_renders_with_every_other_origin_blocked(browser: Any, server: ServerProcess):
    page = browser.new_page()
    refused: list[str] = []

    def only_the_server(route: Any) -> None:
        if route.request.url.startswith(server.base_url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    try:
        page.route("**/*", only_the_server)
        page.goto(f"{server.base_url}/api/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        operations = page.locator(".opblock").count()
        assert operations > 20, operations
        assert page.locator(".opblock-summary-path", has_text="/v1/videos").count() >= 1
        assert refused == [], f"the page asked other origins for {refused}"
    finally:
        page.close()
