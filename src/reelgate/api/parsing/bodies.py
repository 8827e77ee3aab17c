"""Reading request bodies that may come as JSON or as multipart/form-data, into one dict.

Multipart names with brackets (`input_reference[image_url]`, `video[id]`, as the official SDKs
send nested objects) become nested dicts, so both encodings validate against the same models. An
object part may also come JSON-encoded in one part (`video={"id": ...}`, OpenAPI's default
encoding of an object in multipart): the route names such parts (`object_parts`). Uploaded files
stay `UploadFile` objects (spooled to disk by the multipart parser, at most `max_part_size` each).
JSON, wherever it comes from, is parsed by `json_text.parse_json` (bounded nesting, text only).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from reelgate.api.parsing.json_text import check_tree, checked_text, parse_json
from reelgate.api.parsing.multipart import LimitedMultiPartParser
from reelgate.core.errors import InvalidRequest

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
# No create takes more: a few images or inpaint items, a dozen parameters. Starlette's defaults
# (1,000 of each) would let one request spool a thousand files.
MAX_FILES = 32
MAX_FIELDS = 256


def _path(name: str) -> list[str]:
    head, _, rest = name.partition("[")
    if not rest:
        return [name]
    return [head, *_BRACKETS.findall("[" + rest)]


def fold_form(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """Turn flat form items into a nested dict; a repeated name becomes a list."""
    result: dict[str, Any] = {}
    for name, value in items:
        *parents, leaf = _path(name)
        if leaf == "" and parents:  # `files[]`: one more item of a list
            *parents, leaf = parents
            value = [value]
        node = result
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InvalidRequest(f"Invalid parameter name: '{name}'.", param=name)
            node = child
        if leaf in node:
            existing = node[leaf] if isinstance(node[leaf], list) else [node[leaf]]
            node[leaf] = existing + (value if isinstance(value, list) else [value])
        else:
            node[leaf] = value
    return result


def is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in ("multipart/form-data", "application/x-www-form-urlencoded")


_INVALID_JSON = (
    "We could not parse the JSON body of your request. The API expects a JSON payload, but what "
    "was sent was not valid JSON."
)


def _decoded_item(
    name: str, value: str | UploadFile, object_parts: Collection[str]
) -> tuple[str, Any]:
    """One form item, a JSON-encoded object part decoded (values are checked once folded)."""
    checked_text(name, None)  # before anything may echo it
    if isinstance(value, UploadFile):
        checked_text(value.filename or "", name)
        return name, value
    if name in object_parts and value.lstrip().startswith("{"):
        document = parse_json(value, invalid=f"Invalid '{name}': expected a JSON object.")
        if not isinstance(document, dict):
            raise InvalidRequest(f"Invalid '{name}': expected a JSON object.", param=name)
        return name, document
    return name, value


async def _read_form(
    request: Request, max_part_size: int, object_parts: Collection[str]
) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "multipart/form-data":
            parser = LimitedMultiPartParser(
                request.headers,
                request.stream(),
                max_files=MAX_FILES,
                max_fields=MAX_FIELDS,
                max_part_size=max_part_size,
            )
            form = await parser.parse()
        else:
            form = await request.form(max_fields=MAX_FIELDS, max_part_size=max_part_size)
    except MultiPartException as exc:
        raise InvalidRequest(f"Could not parse the multipart body: {exc.message}") from exc
    items = [_decoded_item(name, value, object_parts) for name, value in form.multi_items()]
    # Bracketed names nest too (`a[a][a]...`): the folded form is held to the JSON bounds.
    return check_tree(fold_form(items))


async def read_body(
    request: Request, *, max_part_size: int, object_parts: Collection[str] = ()
) -> dict[str, Any]:
    """The body as one dict. `max_part_size`: the largest part of a form, file or text (past it,
    413); `object_parts`: form parts that may hold an object as JSON."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if is_form(request):
        return await _read_form(request, max_part_size, object_parts)
    raw = await request.body()
    if not raw.strip():
        return {}
    if content_type not in ("application/json", "") and not content_type.endswith("+json"):
        raise InvalidRequest(
            f"Unsupported content type '{content_type}'. Send application/json or "
            "multipart/form-data."
        )
    body = parse_json(raw, invalid=_INVALID_JSON)
    if not isinstance(body, dict):
        raise InvalidRequest("Invalid body: expected a JSON object.")
    return body
