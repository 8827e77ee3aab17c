"""API keys on every request: who is calling, and whether they may.

A pure ASGI middleware (no per-request objects beyond what it needs, since status polling runs
through it thousands of times a second). In open mode (no key ever created) every request is
the `OPEN` caller. Once a key exists, every API path needs one, presented as
`Authorization: Bearer`, `api-key`, `x-api-key`, or the web page's `reelgate_key` cookie.
Failures answer in the dialect of the path: 401 for a missing or unknown key, 429 with
`Retry-After` when the key's requests per minute are spent.
"""

from __future__ import annotations

import re

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from reelgate.api.access.key_ring import KeyRing
from reelgate.api.access.request_rates import RequestRates
from reelgate.api.server.envelopes import DialectPrefixes
from reelgate.core.callers import OPEN
from reelgate.core.errors import RateLimited, ReelgateError, Unauthorized

COOKIE = "reelgate_key"

# Served to anyone: the page and its files, health, the API's own description, and image
# files behind signed, expiring links (the signature is the permission).
_PUBLIC = re.compile(
    r"^(/|/healthz|/openapi\.json|/api/docs(/.*)?|/web/.*|/favicon\.ico"
    r"|(/openai)?/v1/images/[^/]+/content)$"
)
_ADMIN_ONLY = frozenset({"/metrics"})

MISSING = (
    "You didn't provide an API key. Send it in an Authorization header using Bearer auth "
    "(Authorization: Bearer YOUR_KEY), or in an api-key or x-api-key header. An administrator "
    "makes keys with `reelgate keys create`."
)


def _masked(presented: str) -> str:
    return presented[:6] + "*" * 8 + presented[-4:] if len(presented) > 12 else "*" * 8


def presented_key(scope: Scope) -> str | None:
    """The key a request carries, from the first header that has one."""
    cookie_header = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        elif name in (b"api-key", b"x-api-key") and value.strip():
            return value.decode("latin-1").strip()
        elif name == b"cookie":
            cookie_header = value.decode("latin-1")
    if cookie_header:
        for part in cookie_header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and value:
                return value
    return None


def _has_cookie(scope: Scope) -> bool:
    return any(
        name == b"cookie" and f"{COOKIE}=".encode() in value for name, value in scope["headers"]
    )


class AuthMiddleware:
    def __init__(self, app: ASGIApp, prefixes: DialectPrefixes, rates: RequestRates) -> None:
        self.app = app
        self.prefixes = prefixes
        self.rates = rates  # shared by every instance in the process: one window per key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        state = scope.setdefault("state", {})
        keyring: KeyRing = scope["app"].state.keyring
        if await keyring.is_open():
            state["caller"] = OPEN
            await self.app(scope, receive, send)
            return
        if _PUBLIC.match(path):
            await self.app(scope, receive, send)
            return
        presented = presented_key(scope)
        if presented is None:
            await self._refuse(scope, receive, send, Unauthorized(MISSING))
            return
        key = await keyring.check(presented)
        if key is None:
            message = f"Incorrect API key provided: {_masked(presented)}."
            await self._refuse(scope, receive, send, Unauthorized(message, code="invalid_api_key"))
            return
        if path in _ADMIN_ONLY and not key.admin:
            forbidden = JSONResponse({"detail": "This path needs an admin key."}, 403)
            await forbidden(scope, receive, send)
            return
        if key.rpm is not None:
            wait = self.rates.take(key.id, key.rpm)
            if wait is not None:
                limited = RateLimited(
                    f"Rate limit reached for key '{key.name}': {key.rpm} requests per minute. "
                    f"Please retry after {wait} seconds.",
                    retry_after=wait,
                )
                await self._refuse(scope, receive, send, limited)
                return
        state["caller"] = key.caller()
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: ReelgateError) -> None:
        envelope = self.prefixes.envelope_for(scope["path"])
        response: Response
        if envelope is not None:
            response = envelope.domain(exc)
        else:
            status = 429 if isinstance(exc, RateLimited) else 401
            headers = exc.headers if isinstance(exc, RateLimited) else None
            response = JSONResponse({"detail": exc.message}, status, headers=headers)
        if isinstance(exc, Unauthorized):
            response.headers.setdefault("WWW-Authenticate", 'Bearer realm="reelgate"')
            if _has_cookie(scope):  # a revoked key in the page's cookie: forget it
                response.delete_cookie(COOKIE, httponly=True, samesite="strict")
        await response(scope, receive, send)
