"""Reading request bodies that may come as JSON or as multipart/form-data, into one dict.

Multipart names with brackets (`input_reference[image_url]`, `video[id]`, as the official SDKs
send nested objects) become nested dicts, so both encodings validate against the same models.
Uploaded files stay `UploadFile` objects (spooled to disk by the multipart parser).
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

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


def fold_form(items: list[tuple[str, str | UploadFile]]) -> dict[str, Any]:
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


async def read_body(request: Request, *, max_part_size: int) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if is_form(request):
        try:
            form = await request.form(
                max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=max_part_size
            )
        except MultiPartException as exc:
            raise InvalidRequest(f"Could not parse the multipart body: {exc.message}") from exc
        return fold_form(list(form.multi_items()))
    raw = await request.body()
    if not raw.strip():
        return {}
    if content_type not in ("application/json", "") and not content_type.endswith("+json"):
        raise InvalidRequest(
            f"Unsupported content type '{content_type}'. Send application/json or "
            "multipart/form-data."
        )
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest(
            "We could not parse the JSON body of your request. The API expects a JSON payload, "
            "but what was sent was not valid JSON."
        ) from exc
    if not isinstance(body, dict):
        raise InvalidRequest("Invalid body: expected a JSON object.")
    return body
