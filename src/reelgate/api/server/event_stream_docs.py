"""How reelgate's OpenAPI document describes a server-sent-event stream: one schema per event.

Describing the whole stream as a string would be wrong for tools that check each event (an
event has `event`, `data` and `id` fields per the HTML standard); this says what each holds.
"""

from __future__ import annotations

from typing import Any


def event_stream_schema(events: list[str], data: str) -> dict[str, Any]:
    """The schema of one event of a stream whose events are named `events` and whose `data` is
    described by `data` (JSON text)."""
    return {
        "type": "object",
        "properties": {
            "event": {"type": "string", "enum": events},
            "data": {"type": "string", "description": data},
            "id": {"type": "string"},
            "retry": {"type": "integer"},
        },
        "required": ["data"],
    }
