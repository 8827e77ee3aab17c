"""The per-request webhook target, read the same way by every dialect's create routes.

A header (`Reelgate-Webhook-Url`), because the OpenAI and Azure bodies follow their official
schemas and have no field for it; the app API also takes a `webhook_url` body field. Checked
here, so a bad target is a 400 in the dialect's own envelope before any job exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from reelgate.api.server.dependencies import settings
from reelgate.config import Settings
from reelgate.core.webhooks import WEBHOOK_HEADER, requested_webhook


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
    return requested_webhook(value, config, WEBHOOK_HEADER)


RequestedWebhook = Annotated[str | None, Depends(webhook_header)]


def webhook_of(body_value: str | None, header_value: str | None, config: Settings) -> str | None:
    """The app API's body field wins over the header."""
    if body_value is not None:
        return requested_webhook(body_value, config, "webhook_url")
    return header_value
