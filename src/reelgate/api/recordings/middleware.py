"""Recording what each client sent: a pure ASGI middleware, added only when
`record_requests` is on, so it costs nothing otherwise.

It watches the request body go by on its way to the app (nothing is read ahead or buffered for
the app): JSON is kept as JSON, multipart forms as their fields and, for files, name, type and
size (never the bytes), parsed as they stream. Secret headers are left out. The record is
stored when the answer starts, so it is there before the client has its answer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelgate.api.parsing.json_text import parse_json
from reelgate.api.recordings.log import Recording, RequestLog
from reelgate.core.errors import InvalidRequest

try:
    from python_multipart.multipart import MultipartParser, parse_options_header
except ModuleNotFoundError:  # python-multipart before 0.0.13
    from multipart.multipart import (  # type: ignore[no-redef]
        MultipartParser,
        parse_options_header,
    )

SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "x-api-key", "x-goog-api-key", "cookie", "proxy-authorization"}
)
# The API paths; not the recordings themselves, the docs, health, metrics or the web page.
_RECORDED_PREFIXES = ("/v1/", "/openai/", "/api/")
_UNRECORDED_PREFIXES = ("/api/recordings", "/api/docs")
UNAUTHENTICATED = "unauthenticated"  # the key of requests refused before a caller was known
_MAX_TEXT_BYTES = 256 * 1024  # JSON and text bodies kept up to this size
_MAX_FIELD_BYTES = 4 * 1024  # each multipart text field kept up to this size


def recorded(path: str) -> bool:
    return path.startswith(_RECORDED_PREFIXES) and not path.startswith(_UNRECORDED_PREFIXES)


class _MultipartSummary:
    """Field names and values, and files as name, type and size, from a multipart stream."""

    def __init__(self, boundary: bytes) -> None:
        self.fields: dict[str, Any] = {}
        self.files: list[dict[str, Any]] = []
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._part: dict[str, Any] | None = None
        self._value = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_data,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
                "on_part_end": self._end,
            },
        )
        self.broken = False

    def feed(self, chunk: bytes) -> None:
        if self.broken:
            return
        try:
            self._parser.write(chunk)
        except Exception:  # a malformed form: the app answers it; the record keeps what parsed
            self.broken = True

    def summary(self) -> dict[str, Any]:
        return {"fields": self.fields, "files": self.files}

    def _begin(self) -> None:
        self._headers, self._part, self._value = {}, None, bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            self._part = {
                "field": name,
                "filename": options[b"filename"].decode("utf-8", "replace"),
                "content_type": self._headers.get(b"content-type", b"").decode("latin-1") or None,
                "size": 0,
            }
        else:
            self._part = {"field": name}

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part is None:
            return
        if "size" in self._part:
            self._part["size"] += end - start
        elif len(self._value) < _MAX_FIELD_BYTES:
            self._value += data[start:end][: _MAX_FIELD_BYTES - len(self._value)]

    def _end(self) -> None:
        part = self._part
        if part is None:
            return
        if "size" in part:
            self.files.append(part)
            return
        value = self._value.decode("utf-8", "replace")
        name = part["field"]
        if name in self.fields:  # a repeated name keeps every value, in order
            previous = self.fields[name]
            values = previous if isinstance(previous, list) else [previous]
            self.fields[name] = [*values, value]
        else:
            self.fields[name] = value


class _BodyCapture:
    def __init__(self, content_type: str) -> None:
        media_type, options = parse_options_header(content_type)
        self.media_type = media_type.decode("latin-1").lower()
        self.size = 0
        self.truncated = False
        self._text = bytearray()
        self._multipart: _MultipartSummary | None = None
        if self.media_type == "multipart/form-data" and options.get(b"boundary"):
            self._multipart = _MultipartSummary(options[b"boundary"])

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.size += len(chunk)
        if self._multipart is not None:
            self._multipart.feed(chunk)
            return
        room = _MAX_TEXT_BYTES - len(self._text)
        if len(chunk) > room:
            self.truncated = True
        self._text += chunk[: max(0, room)]

    def result(self) -> tuple[str, Any]:
        """(kind, body) for the record."""
        if self.size == 0:
            return "none", None
        if self._multipart is not None:
            return "multipart", self._multipart.summary()
        text = self._text.decode("utf-8", "replace")
        is_json = self.media_type == "application/json" or self.media_type.endswith("+json")
        if is_json and not self.truncated:
            try:  # bounded like the app's own parsing: what is kept can always be served
                return "json", parse_json(text, invalid="not JSON")
            except InvalidRequest:  # not JSON, too deep, or a lone surrogate: kept as text
                return "text", text
        if self.media_type == "application/x-www-form-urlencoded" and not self.truncated:
            return "form", parse_qs(text, keep_blank_values=True)
        if self.media_type.startswith("text/") or is_json:
            return "text", text
        return "binary", None


class RecordingMiddleware:
    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not recorded(scope["path"]):
            await self.app(scope, receive, send)
            return
        seq, arrived = self.log.next_seq(), self.log.clock()
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            if name in SECRET_HEADERS:
                continue
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        capture = _BodyCapture(headers.get("content-type", ""))
        state = scope.setdefault("state", {})  # the auth middleware puts the caller in it
        done = False

        def record(status: int | None) -> None:
            nonlocal done
            if done:
                return
            done = True
            caller = state.get("caller")  # absent: refused before a key was recognised
            kind, body = capture.result()
            query_string = scope.get("query_string", b"").decode("latin-1")
            self.log.add(
                Recording(
                    seq=seq,
                    at=arrived,
                    owner=caller.owner if caller is not None else None,
                    key=caller.label if caller is not None else UNAUTHENTICATED,
                    method=scope["method"],
                    path=scope["path"],
                    query_string=query_string,
                    query=parse_qs(query_string, keep_blank_values=True),
                    headers=headers,
                    body_kind=kind,
                    body=body,
                    body_bytes=capture.size,
                    body_truncated=capture.truncated,
                    status=status,
                )
            )

        async def receive_and_watch() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                capture.feed(message.get("body", b""))
            return message

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                record(message["status"])
            await send(message)

        try:
            await self.app(scope, receive_and_watch, send_and_record)
        finally:
            record(None)
