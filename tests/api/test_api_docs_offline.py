"""`/api/docs` works offline: the page loads Swagger UI's script and styles from reelgate
itself, never from a CDN, and every asset it names is served (without a key, like the page)."""

from __future__ import annotations

import re

import httpx

from tests.server import ServerProcess


def test_the_docs_page_names_only_assets_served_here(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        page = http.get("/api/docs")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        urls += re.findall(r"""url:\s*['"]([^'"]+)['"]""", page.text)
        assert urls, page.text[:500]
        assert not [url for url in urls if url.startswith(("http:", "https:", "//"))], urls
        types = {".js": "javascript", ".css": "text/css", ".svg": "image/svg", ".json": "json"}
        for url in urls:
            asset = http.get(url)
            assert asset.status_code == 200, (url, asset.status_code)
            kind = next((t for suffix, t in types.items() if url.endswith(suffix)), "")
            assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
