"""The per-request webhook target, read the same way by every dialect's create routes.

A header (`Reelgate-Webhook-Url`), because the OpenAI and Azure bodies follow their official
schemas and have no field for it; the app API also takes a `webhook_url` body field. Checked
here, so a bad target is a 400 in the dialect's own envelope before any job exists.
"""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, Header

from reelgate.api.server.dependencies import settings
from reelgate.config import Settings
from reelgate.core.errors import InvalidRequest
from reelgate.core.webhooks import NO_WEBHOOK, WEBHOOK_HEADER, requested_webhook


def checked_webhook(value: str | None, config: Settings, param: str) -> str | None:
    """`requested_webhook`, and the sender's HTTP client must parse the URL as well: a target it
    cannot parse would never be delivered (a non-IDNA host name, say)."""
    target = requested_webhook(value, config, param)
    if target is None or target == NO_WEBHOOK:
        return target
    try:
        httpx.URL(target)
    except httpx.InvalidURL as exc:
        raise InvalidRequest(f"Invalid webhook: {exc}.", param=param) from exc
    return target


async def webhook_header(
    config: Annotated[Settings, Depends(settings)],
    value: Annotated[
        str | None,
        Header(
            alias=WEBHOOK_HEADER,
            description="Where to POST `video.completed` / `video.failed` (signed per Standard "
            "Webhooks) for this job; `none` for no webhook. Default: the configured one.",
        ),
    ] = None,
) -> str | None:
    return checked_webhook(value, config, WEBHOOK_HEADER)


RequestedWebhook = Annotated[str | None, Depends(webhook_header)]


def webhook_of(body_value: str | None, header_value: str | None, config: Settings) -> str | None:
    """The app API's body field wins over the header."""
    if body_value is not None:
        return checked_webhook(body_value, config, "webhook_url")
    return header_value
