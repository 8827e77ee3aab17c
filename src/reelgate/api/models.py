"""`GET /v1/models` (and `/v1/models/{model}`): the model names this gateway answers to, in
OpenAI's list shape. With a routing file, its models; without one, the usual names, all served
by the preview engine (which answers to any name)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request

from reelgate.api.dialect import dialect_route
from reelgate.api.openai_errors import OpenAIEnvelope
from reelgate.core.errors import NotFound
from reelgate.providers.registry import ListedModel, ProviderRegistry

ENVELOPE = OpenAIEnvelope()
router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["Models"])
_STARTED = int(time.time())


def _registry(request: Request) -> ProviderRegistry:
    return request.app.state.providers


def _created(registry: ProviderRegistry) -> int:
    """When the routing took effect: the file's modification time (else when we started)."""
    if registry.routing is not None:
        try:
            return int(registry.routing.path.stat().st_mtime)
        except OSError:
            pass
    return _STARTED


def _model(item: ListedModel, created: int) -> dict[str, Any]:
    # `owned_by` says which provider serves the name first; `kind` is a reelgate extension.
    return {
        "id": item.name,
        "object": "model",
        "created": created,
        "owned_by": item.provider,
        "kind": item.kind,
    }


@router.get("/models", summary="List the models this gateway serves")
def list_models(request: Request) -> dict[str, Any]:
    registry = _registry(request)
    created = _created(registry)
    return {"object": "list", "data": [_model(m, created) for m in registry.listed_models()]}


@router.get("/models/{model}", summary="Retrieve one model")
def retrieve_model(model: str, request: Request) -> dict[str, Any]:
    registry = _registry(request)
    for item in registry.listed_models():
        if item.name == model:
            return _model(item, _created(registry))
    raise NotFound(f"The model '{model}' does not exist.", param="model", code="model_not_found")
