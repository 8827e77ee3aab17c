"""The Responses API (`/v1/responses`, and Azure's `/openai/v1/responses`), image tool only.

reelgate has no language model: a response calls the `image_generation` tool with the input's
text as its prompt, through the same `ImageService` as `/v1/images`. `params.py` reads the
request, `render.py` writes the `Response` and its stream events, `routes.py` runs the flow
(`core/responses.py` keeps stored responses). Azure's AzureOpenAI client (`api_version`
`preview` or `v1`) calls `/openai/responses`, served here too.
"""

from __future__ import annotations

from fastapi import Depends

from reelgate.api.azure.image_errors import AzureImagesEnvelope
from reelgate.api.azure.versions import api_version
from reelgate.api.openai.errors import OpenAIEnvelope
from reelgate.api.responses.routes import build_router
from reelgate.api.server.envelopes import DialectPrefixes
from reelgate.api.short_way.routes import ShortcutFastAPI

OPENAI_ENVELOPE = OpenAIEnvelope()
AZURE_ENVELOPE = AzureImagesEnvelope()  # Azure's `AzureErrorResponse`


def mount(app: ShortcutFastAPI, prefixes: DialectPrefixes) -> None:
    app.include_router(build_router(OPENAI_ENVELOPE, tags=["OpenAI Responses"]), prefix="/v1")
    for prefix, operations in (("/openai/v1", "Azure_"), ("/openai", "AzureLegacy_")):
        router = build_router(
            AZURE_ENVELOPE,
            operation_prefix=operations,
            tags=["Azure OpenAI responses"],
            dependencies=[Depends(api_version)],
            azure=True,
        )
        app.include_router(router, prefix=prefix)
        prefixes.add(f"{prefix}/responses", AZURE_ENVELOPE)
