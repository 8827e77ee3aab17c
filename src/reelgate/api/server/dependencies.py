"""Request-scoped access to the services `create_app` put on the application state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from reelgate.config import Settings
from reelgate.core.callers import Caller
from reelgate.core.jobs import JobService


async def job_service(request: Request) -> JobService:
    return request.app.state.jobs


async def settings(request: Request) -> Settings:
    return request.app.state.settings


def caller_of(request: Request) -> Caller:
    """The caller the auth middleware resolved (it runs before every route; no default, so a
    route reached without it fails closed)."""
    return request.state.caller


async def caller(request: Request) -> Caller:
    return caller_of(request)


# A route parameter: the request's caller.
Who = Annotated[Caller, Depends(caller)]

# Route parameters: the job service and the settings.
Jobs = Annotated[JobService, Depends(job_service)]
Config = Annotated[Settings, Depends(settings)]
