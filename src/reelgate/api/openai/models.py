"""`GET /v1/models` (and `/v1/models/{model}`): the model names this gateway answers to, in
OpenAI's list shape (the names themselves come from `core/catalog.py`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from reelgate.api.openai.errors import OpenAIEnvelope
from reelgate.api.server.envelopes import dialect_route
from reelgate.core.catalog import ListedModel, ModelCatalog

ENVELOPE = OpenAIEnvelope()
router = APIRouter(route_class=dialect_route(ENVELOPE), tags=["Models"])


def _catalog(request: Request) -> ModelCatalog:
    return request.app.state.models


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
    catalog = _catalog(request)
    created = catalog.created()
    return {"object": "list", "data": [_model(m, created) for m in catalog.models()]}


@router.get("/models/{model}", summary="Retrieve one model")
def retrieve_model(model: str, request: Request) -> dict[str, Any]:
    catalog = _catalog(request)
    return _model(catalog.model(model), catalog.created())
