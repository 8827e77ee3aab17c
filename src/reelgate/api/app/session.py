"""`/api/session`: who the caller is, and the web page's way to keep a key in the browser.

The page cannot send headers with `<video src>`, downloads or `EventSource`, so it trades the
key (sent once as a Bearer header) for an HttpOnly, SameSite=Strict cookie that the auth
middleware accepts like the header: scripts cannot read it, and other sites cannot send it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from reelgate.api.access.auth import COOKIE, presented_key
from reelgate.api.app.jobs import ENVELOPE
from reelgate.api.server.dependencies import Who
from reelgate.api.server.envelopes import dialect_route
from reelgate.core.callers import Caller

router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["Session (web page)"])

_COOKIE_DAYS = 30


def _view(caller: Caller) -> dict[str, Any]:
    if caller.owner is None:
        return {"object": "session", "open": True, "key": None}
    key = {"id": caller.owner, "name": caller.key_name, "admin": caller.admin}
    return {"object": "session", "open": False, "key": key}


@router.get("/session", summary="Who is calling", operation_id="appGetSession")
async def get_session(who: Who) -> dict[str, Any]:
    """`open: true` when the server has no API keys; otherwise the calling key (never its
    secret). Without a valid key the answer is 401, which is how the page knows to ask."""
    return _view(who)


@router.post("/session", summary="Keep the key in a cookie", operation_id="appStartSession")
async def start_session(request: Request, response: Response, who: Who) -> dict[str, Any]:
    """Send the key as `Authorization: Bearer`; the answer sets the `reelgate_key` cookie
    (HttpOnly, SameSite=Strict, 30 days) that the page's media and event streams then use."""
    presented = presented_key(request.scope)
    if who.owner is not None and presented is not None:
        response.set_cookie(
            COOKIE,
            presented,
            max_age=_COOKIE_DAYS * 86_400,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return _view(who)


@router.delete("/session", summary="Forget the key's cookie", operation_id="appEndSession")
async def end_session(response: Response, who: Who) -> dict[str, Any]:
    response.delete_cookie(COOKIE, httponly=True, samesite="strict")
    return _view(who)
