"""The Azure OpenAI dialect (`/openai/v1`): video generation jobs and images in Azure's terms,
and OpenAI's Videos API served under Azure's prefix as Azure does.

`videos.py` and `images.py` parse requests and render answers; `errors.py` (video jobs) and
`image_errors.py` (images, with `content_filter.py`'s results) are the envelopes; `versions.py`
checks `api-version` on every route.
"""

from __future__ import annotations

from fastapi import Depends

from reelgate.api import openai
from reelgate.api.azure import images, videos
from reelgate.api.azure.versions import api_version, versioned
from reelgate.api.server.envelopes import DialectPrefixes, mounted_copy
from reelgate.api.short_way.routes import ShortcutFastAPI


def mount(app: ShortcutFastAPI, prefixes: DialectPrefixes) -> None:
    app.include_router(videos.router, prefix="/openai/v1")
    prefixes.add("/openai/v1", videos.ENVELOPE)
    # Azure also serves the OpenAI Videos API, OpenAI's envelope included: the same routes.
    openai_style = mounted_copy(
        openai.videos.router,
        operation_prefix="Azure_",
        tags=["Azure OpenAI videos (OpenAI style)"],
    )
    app.include_router(openai_style, prefix="/openai/v1", dependencies=[Depends(api_version)])
    app.add_shortcuts(openai.fast_routes("/openai/v1", wrap=versioned))
    prefixes.add("/openai/v1/videos", openai.videos.ENVELOPE)
    # The SDK's `AzureOpenAI(azure_endpoint=...)` client calls `/openai/videos?api-version=...`.
    legacy = mounted_copy(
        openai.videos.router,
        operation_prefix="AzureLegacy_",
        tags=["Azure OpenAI videos (OpenAI style)"],
    )
    app.include_router(legacy, prefix="/openai", dependencies=[Depends(api_version)])
    prefixes.add("/openai/videos", openai.videos.ENVELOPE)
    app.include_router(images.router, prefix="/openai/v1")
    prefixes.add("/openai/v1/images", images.ENVELOPE)
    app.include_router(images.deployments, prefix="/openai")
    prefixes.add("/openai/deployments", images.ENVELOPE)
    # Azure's document has the Files API too: OpenAI's routes again (files named by `file_id`
    # in `/openai/v1/videos` are this API's), in OpenAI's envelope as for its videos.
    app.include_router(
        mounted_copy(openai.files.router, operation_prefix="Azure_", tags=["Azure OpenAI files"]),
        prefix="/openai/v1",
        dependencies=[Depends(api_version)],
    )
    prefixes.add("/openai/v1/files", openai.files.ENVELOPE)
