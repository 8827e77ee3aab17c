"""A `Range` a download cannot honour, raised as an HTTP error so the dialect answers it.

Starlette's FileResponse answers a malformed range (400) and an unsatisfiable one (416) itself,
in plain text. Raised instead before anything is sent, the error reaches the app's HTTP error
handler (on FastAPI's way and on the short way alike), which renders it in the path's envelope;
the 416 keeps `Content-Range: bytes */<size>` (RFC 9110) for clients that resume downloads.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException

# Starlette's words for what is wrong with the header, in a client's terms.
_MALFORMED = {
    "Malformed range header.": "expected bytes=START-END",
    "Only support bytes range": "only byte ranges are served (bytes=START-END)",
    "Range header: range must be requested": "no range is given",
    "Range header: start must be less than end": "a range ends before it starts",
}


def malformed_range(reason: str) -> HTTPException:
    """400: the header is not a byte range this server can read (`reason`: Starlette's)."""
    words = _MALFORMED.get(reason, "expected bytes=START-END")
    return HTTPException(400, f"Invalid Range header: {words}.")


def range_not_satisfiable(size: int) -> HTTPException:
    """416: every range starts past the end of a file of `size` bytes."""
    return HTTPException(
        416,
        f"The requested range is not satisfiable: the file is {size} bytes.",
        headers={"Content-Range": f"bytes */{size}"},
    )
