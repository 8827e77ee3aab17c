"""Plain Starlette routes in front of FastAPI's, for the calls clients repeat all day.

`GET /v1/videos/{id}` is answered from memory most of the time (`store/recent_jobs.py`), and a
ranged download is one request per MiB; then FastAPI's routing (one included router per
dialect, ~50 routes) and request handling (dependency solving, parameter validation) cost more
than the answer (bench/bench_polling.py, bench/bench_download.py). A `FastRoute` is matched
first. It calls its endpoint with the path parameters and the request, and renders errors in
the same envelope. Other methods on its path go on to FastAPI's routes, and the documented
route stays for the OpenAPI document.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelgate.api.server.envelopes import ErrorEnvelope, in_envelope

Endpoint = Callable[..., Awaitable[Response]]
# The methods a 405's `Allow` header may name (every one some route could serve).
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_ROUTING_KEYS = {"fastapi", "route", "endpoint", "path_params"}


class FastRoute(Route):
    """`GET path` only (HEAD and the rest fall through to FastAPI's routes, as before)."""

    def __init__(self, path: str, endpoint: Endpoint, envelope: ErrorEnvelope) -> None:
        super().__init__(path, endpoint, methods=["GET"], include_in_schema=False)
        self.name = f"{endpoint.__name__}_fast"
        self.methods = {"GET"}
        expected = {*self.param_convertors, "request"}
        if set(inspect.signature(endpoint).parameters) != expected:
            # The endpoint grew a dependency this route cannot solve: fail at start-up.
            raise TypeError(f"{endpoint.__name__} must take exactly {sorted(expected)}")
        self._call = endpoint
        self._envelope = envelope

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "GET":
            return Match.NONE, {}
        match, child_scope = super().matches(scope)
        if match is Match.FULL:
            child_scope["route"] = self  # what the metrics middleware labels requests by
        return match, child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        answer = self._call(request=request, **scope["path_params"])
        response = await in_envelope(self._envelope, answer)
        await response(scope, receive, send)


async def _matched_route(scope: Scope, receive: Receive, send: Send) -> None:
    """The matched route, with the app's exception handlers (a busy database or a failing disk
    answers 503 in the dialect's envelope, as on FastAPI's way) until the answer has started."""
    started = False

    async def watched_send(message: Message) -> None:
        nonlocal started
        started = True
        await send(message)

    try:
        await scope["route"].handle(scope, receive, watched_send)
    except Exception as exc:
        handler = _handler_for(scope["app"].exception_handlers, exc)
        if handler is None or started:
            raise
        request = Request(scope, receive)
        answer = handler(request, exc)
        response = await answer if inspect.isawaitable(answer) else answer
        await response(scope, receive, send)


def _handler_for(handlers: dict[Any, Callable[..., Any]], exc: Exception) -> Any:
    for kind in type(exc).__mro__:
        if kind in handlers:
            return handlers[kind]
    return None


class ShortcutFastAPI(FastAPI):
    """FastAPI with a shortcut for fast routes: a request one of them matches skips FastAPI's
    own layers (telemetry, error and exception middleware, the exit stack, route matching),
    which cost a poll about as much as the answer. It meets the app's own middleware, in the
    app's order, less the classes `skip_on_shortcuts` names, and the app's exception handlers.
    Everything else, and everything when no shortcut is set, takes FastAPI's way."""

    _shortcuts: tuple[FastRoute, ...] = ()
    _skipped: tuple[type, ...] = ()
    _shortcut_stack: ASGIApp | None = None

    @property
    def shortcuts(self) -> tuple[FastRoute, ...]:
        return self._shortcuts

    def add_shortcuts(self, routes: tuple[FastRoute, ...]) -> None:
        """Answer `routes`, matched before anything else (each dialect adds its own)."""
        self._shortcuts = (*self._shortcuts, *routes)

    def skip_on_shortcuts(self, *middleware: type) -> None:
        """Leave these middleware classes out of the shortcut's stack (a GET a fast route
        answers without reading a body has no use for the body limit)."""
        self._skipped = (*self._skipped, *middleware)

    def allowed_methods(self, scope: Scope) -> str:
        """Every method a route serves at the scope's path, for a 405's `Allow` header: FastAPI
        has one route a method, and Starlette's router names only the first that matched. Each
        method is matched as the router matches it (included routers keep their own prefixes)."""
        # The routing state the failed match left (FastAPI's route context) is not carried over.
        bare = {key: value for key, value in scope.items() if key not in _ROUTING_KEYS}
        routes = (*self._shortcuts, *self.router.routes)
        served = []
        for method in HTTP_METHODS:
            probe = {**bare, "type": "http", "method": method}
            if any(route.matches(dict(probe))[0] is Match.FULL for route in routes):
                served.append(method)
        return ", ".join(served)

    def build_middleware_stack(self) -> ASGIApp:
        # Built when FastAPI builds its own (at the first request), from the same list.
        stack: ASGIApp = _matched_route
        for cls, args, kwargs in reversed(self.user_middleware):
            if cls not in self._skipped:
                stack = cls(stack, *args, **kwargs)
        self._shortcut_stack = stack if self._shortcuts else None
        return super().build_middleware_stack()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        if self._shortcut_stack is not None and scope["type"] == "http":
            for route in self._shortcuts:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    scope["app"] = self
                    await self._shortcut_stack(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)
