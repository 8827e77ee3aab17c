"""Every dependency of every route is a coroutine function.

FastAPI runs a plain `def` dependency in its thread pool: one thread hop per dependency per
request. For the accessors of `app.state` that the API uses, that hop cost more than the work
(bench/bench_polling.py measured status polling 2.5x slower with them).
"""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from reelgate.app import create_app
from reelgate.config import Settings


def _api_routes(routes: list) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI wraps them in the app's list)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        nested = getattr(route, "original_router", None)
        if nested is not None:
            found.extend(_api_routes(nested.routes))
    return found


def _calls(dependant: Dependant) -> list:
    found = []
    for child in dependant.dependencies:
        found.append(child.call)
        found.extend(_calls(child))
    return found


def test_no_route_depends_on_a_plain_function(tmp_path: Path):
    app = create_app(Settings(data_dir=tmp_path, workers=0))
    routes = _api_routes(app.routes)
    assert len(routes) > 40, "the walk found the routes"
    blocking = {
        f"{route.path}: {call.__qualname__}"
        for route in routes
        for call in _calls(route.dependant)
        if call is not None and not inspect.iscoroutinefunction(call)
    }
    assert not blocking, f"make these `async def` (or explain why they block): {sorted(blocking)}"
