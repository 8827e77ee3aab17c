"""Parsing JSON from clients within bounds every later step can live with.

Python's parser, pydantic, the idempotency fingerprint and the recordings' serializer all recurse
once per level of nesting: a 2 KB body nested a thousand deep is a `RecursionError` (a 500) in
one of them. And `"\\ud800"` is valid JSON but no valid text: a lone surrogate cannot be encoded
as UTF-8, so storing or echoing it fails later, far from the request. Both are refused here, at
parse time, with an `InvalidRequest` (a 400 in the route's dialect).
"""

from __future__ import annotations

import json
import re
from typing import Any

from reelgate.core.errors import InvalidRequest

# Levels of arrays and objects a JSON document may have. No create needs more than four (an
# Azure inpaint item's crop bounds); pydantic and the fingerprint stay far from Python's limit.
MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\\ud800-\\udfff]")


class JsonTooDeep(InvalidRequest):
    def __init__(self) -> None:
        super().__init__(
            f"The JSON in your request is nested too deeply: at most {MAX_JSON_DEPTH} levels "
            "of arrays and objects are accepted."
        )


class JsonNotText(InvalidRequest):
    """Raised for text that is no JSON at all (the message is the caller's to word)."""


def checked_text(value: str, param: str | None) -> str:
    """`value`, refused if it holds a lone surrogate (valid JSON, not valid Unicode text)."""
    if _SURROGATE.search(value):
        where = f"'{param}'" if param else "the request"
        raise InvalidRequest(
            f"Invalid text in {where}: it contains a lone UTF-16 surrogate (such as \\ud800), "
            "which is not valid Unicode and cannot be encoded as UTF-8.",
            param=param,
            code="invalid_value",
        )
    return value


def _param(path: tuple[str | int, ...]) -> str | None:
    if not path:
        return None
    head, *rest = path
    tail = (f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
    return str(head) + "".join(tail)


def check_tree(document: Any) -> Any:
    """`document`, refused if it nests past `MAX_JSON_DEPTH` or holds a lone surrogate in any
    key or string. Iterative, so it never recurses itself."""
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(document, 0, ())]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            checked_text(node, _param(path))
        elif isinstance(node, dict):
            if depth >= MAX_JSON_DEPTH:
                raise JsonTooDeep()
            for key, item in node.items():
                checked_text(key, _param(path))  # never echo the key: it is what cannot be
                stack.append((item, depth + 1, (*path, key)))  # encoded (its parent's keys are)
        elif isinstance(node, list):
            if depth >= MAX_JSON_DEPTH:
                raise JsonTooDeep()
            stack.extend((item, depth + 1, (*path, index)) for index, item in enumerate(node))
    return document


def parse_json(
    raw: bytes | str, *, invalid: str, param: str | None = None, code: str | None = None
) -> Any:
    """The parsed document; `invalid` (with `param`, `code`) is the error for text that is not
    JSON at all."""
    try:
        document = json.loads(raw)
    except RecursionError:  # deeper than Python's own limit: the same answer as past ours
        raise JsonTooDeep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonNotText(invalid, param=param, code=code) from exc
    return check_tree(document)
