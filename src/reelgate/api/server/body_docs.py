"""OpenAPI text the routes cannot derive from their signatures: create bodies read by hand
(JSON or multipart, one parser for both), and the media a content route answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_BINARY = {"schema": {"type": "string", "format": "binary"}}
# A video's content route: `?variant=video|thumbnail|spritesheet`.
VARIANT_CONTENT_DOC: dict[str, Any] = {
    "description": "The MP4 video, WebP thumbnail or JPEG spritesheet.",
    "content": {"video/mp4": _BINARY, "image/webp": _BINARY, "image/jpeg": _BINARY},
}


def request_body_doc(*models: type[BaseModel], files: dict[str, str]) -> dict[str, Any]:
    """OpenAPI text for a body read by hand (JSON or multipart), from the validating models."""
    schema: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for model in models:
        model_schema = model.model_json_schema()
        properties = _inlined(model_schema.get("properties", {}), model_schema.get("$defs", {}))
        schema["properties"].update(properties)
        schema["required"] += model_schema.get("required", [])
    multipart = {
        **schema,
        "properties": {
            **schema["properties"],
            **{
                name: {"type": "string", "format": "binary", "description": text}
                for name, text in files.items()
            },
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                "multipart/form-data": {"schema": multipart},
            },
        }
    }


def _inlined(node: Any, definitions: dict[str, Any]) -> Any:
    """`node` with pydantic's `#/$defs/...` references replaced by what they name: the
    properties are copied out of their model's schema, where those references resolved."""
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/"):
            return _inlined(definitions[reference.removeprefix("#/$defs/")], definitions)
        return {key: _inlined(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(value, definitions) for value in node]
    return node
