"""Conditions of the server, not bugs: a full or unwritable disk, a database that stayed busy.

A request that meets one answers 503 with `Retry-After`, in the path's dialect envelope, saying
which condition it was (never a traceback, never a server path). Anything else still reaches the
500 handler, where bugs belong.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.responses import Response

from reelgate.api.server.envelopes import DialectPrefixes
from reelgate.core.faults import server_condition

log = logging.getLogger("reelgate.http")

_RETRY_AFTER = {"Retry-After": "5"}


def install_fault_handlers(app: FastAPI, prefixes: DialectPrefixes) -> None:
    async def unavailable(request: Request, exc: Exception) -> Response:
        condition = server_condition(exc)
        if condition is None:
            raise exc  # a bug: the 500 handler's
        log.error("%s %s: %s (%s)", request.method, request.url.path, condition, exc)
        envelope = prefixes.envelope_for(request.url.path)
        if envelope is None:
            return JSONResponse({"detail": condition}, status_code=503, headers=_RETRY_AFTER)
        return envelope.http(503, condition, dict(_RETRY_AFTER))

    app.add_exception_handler(OSError, unavailable)  # storage
    app.add_exception_handler(DBAPIError, unavailable)  # a database still busy after retries
