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

from reelgate.api.dialect import DialectPrefixes
from reelgate.store.faults import storage_fault
from reelgate.store.retry import is_transient

log = logging.getLogger("reelgate.http")

_RETRY_AFTER = {"Retry-After": "5"}
_DATABASE_BUSY = "The database is busy; try again shortly."


def install_fault_handlers(app: FastAPI, prefixes: DialectPrefixes) -> None:
    def unavailable(request: Request, message: str) -> Response:
        envelope = prefixes.envelope_for(request.url.path)
        if envelope is None:
            return JSONResponse({"detail": message}, status_code=503, headers=_RETRY_AFTER)
        return envelope.http(503, message, dict(_RETRY_AFTER))

    async def storage_failed(request: Request, exc: Exception) -> Response:
        fault = storage_fault(exc)
        if fault is None:
            raise exc  # not storage: the 500 handler's
        log.error("%s %s: %s (%s)", request.method, request.url.path, fault, exc)
        return unavailable(request, fault)

    async def database_busy(request: Request, exc: Exception) -> Response:
        if not is_transient(exc):
            raise exc
        log.error("%s %s: database still busy after retries", request.method, request.url.path)
        return unavailable(request, _DATABASE_BUSY)

    app.add_exception_handler(OSError, storage_failed)
    app.add_exception_handler(DBAPIError, database_busy)
