"""One HTTP client for every upstream: explicit timeouts, jittered retries, `Retry-After`.

Retries cover what is worth retrying (connection failures, timeouts, 429 and 5xx); a 4xx is the
upstream's final word and is raised at once as `UpstreamRefused`. Waiting between tries goes
through `wait`, which a running job points at its heartbeat so the lease stays alive; downloads
call `wait(0)` after every chunk, so a long one heartbeats (and stops when the job is deleted).
Credentials come from `auth()` at call time and are never logged.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reelgate.providers.upstream.errors import (
    UpstreamProtocolError,
    UpstreamRefused,
    UpstreamUnavailable,
)

log = logging.getLogger("reelgate.upstream")

_RETRIED_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_CHUNK = 1024 * 1024
# However long an upstream asks us to wait, never sleep longer than this in one go.
_MAX_RETRY_AFTER = 300.0
_MAX_REDIRECTS = 5


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before try `attempt + 1`: what the upstream asked for, else full
        jitter over an exponential backoff (so many clients do not retry in lockstep)."""
        if retry_after is not None:
            return min(retry_after, _MAX_RETRY_AFTER)
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)


def retry_after_seconds(response: httpx.Response, now: float | None = None) -> float | None:
    """`Retry-After` as seconds (it may be a number or an HTTP date); None when absent or bad."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


ErrorReader = Callable[[httpx.Response], tuple[str | None, str]]


def generic_error(response: httpx.Response) -> tuple[str | None, str]:
    """(code, message) from the common `{"error": {"code", "message"}}` envelopes."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200] or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = error.get("code") or error.get("status") or error.get("type")
        inner = error.get("inner_error") or error.get("innererror")
        if isinstance(inner, dict) and inner.get("code"):
            code = f"{code} {inner['code']}"
        return (str(code) if code is not None else None), str(error.get("message") or "")
    return None, json.dumps(body)[:200]


class UpstreamClient:
    """Sync client for one provider (blocking: it runs in a worker thread)."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        auth: Callable[[], Mapping[str, str]],
        timeout: float,
        retry: RetryPolicy,
        wait: Callable[[float], None] = time.sleep,
        params: Mapping[str, str] | None = None,
        read_error: ErrorReader = generic_error,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self._auth = auth
        self._retry = retry
        self._wait = wait
        self._params = dict(params or {})
        self._read_error = read_error
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=False
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> UpstreamClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        stream_to: Path | None = None,
    ) -> httpx.Response:
        """One logical request, retried as the policy allows. With `stream_to`, a successful
        body is written to that file instead of being read into memory."""
        url = self.url(path)
        query = {**self._params, **(params or {})}
        attempt = 0
        while True:
            try:
                response = self._once(
                    method, url, json_body, data, files, query, headers, stream_to
                )
            except httpx.TransportError as exc:  # includes timeouts
                reason = f"{type(exc).__name__} on {method} {url}"
                if attempt >= self._retry.max_retries:
                    raise UpstreamUnavailable(
                        self.provider, f"unreachable after {attempt + 1} tries ({reason})"
                    ) from None
                delay = self._retry.delay(attempt, None)
                log.warning("%s: %s; retrying in %.1f s", self.provider, reason, delay)
            else:
                if response.status_code < 400:
                    return response
                code, message = self._read_error(response)
                status = response.status_code
                if status not in _RETRIED_STATUSES:
                    raise UpstreamRefused(
                        self.provider,
                        f"{method} {url} answered {status}"
                        + (f" ({code})" if code else "")
                        + (f": {message}" if message else ""),
                        status=status,
                        upstream_code=code,
                    )
                if attempt >= self._retry.max_retries:
                    raise UpstreamUnavailable(
                        self.provider,
                        f"{method} {url} still answered {status} after {attempt + 1} tries"
                        + (f": {message}" if message else ""),
                    )
                delay = self._retry.delay(attempt, retry_after_seconds(response))
                log.warning(
                    "%s: %s %s answered %d; retrying in %.1f s",
                    self.provider,
                    method,
                    url,
                    status,
                    delay,
                )
            self._wait(delay)
            attempt += 1

    def json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A request whose answer must be a JSON object (anything else: a protocol error)."""
        response = self.send(method, path, **kwargs)
        return self.parse(response)

    def parse(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise UpstreamProtocolError(
                self.provider,
                f"{response.request.method} {response.request.url} answered "
                f"{response.status_code} with a body that is not JSON: {response.text[:80]!r}",
            ) from None
        if not isinstance(body, dict):
            raise UpstreamProtocolError(
                self.provider,
                f"{response.request.method} {response.request.url} answered JSON that is not "
                "an object",
            )
        return body

    def download(self, path: str, dest: Path, **kwargs: Any) -> Path:
        self.send("GET", path, stream_to=dest, **kwargs)
        return dest

    def _same_origin(self, url: str) -> bool:
        """Credentials go only to the configured upstream, never to a URL it hands out."""
        target, base = httpx.URL(url), httpx.URL(self.base_url)
        return (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)

    def _once(
        self,
        method: str,
        url: str,
        json_body: Any,
        data: Mapping[str, Any] | None,
        files: Any,
        query: Mapping[str, Any],
        headers: Mapping[str, str] | None,
        stream_to: Path | None,
    ) -> httpx.Response:
        request = self._http.build_request(
            method,
            url,
            json=json_body,
            data=data,
            files=files,
            params=query or None,
            headers={**(self._auth() if self._same_origin(url) else {}), **(headers or {})},
        )
        response = self._http.send(request, stream=True)
        for _ in range(_MAX_REDIRECTS):  # followed by hand: keys never go to another origin
            if not response.is_redirect or method not in ("GET", "HEAD"):
                break
            response.close()
            target = str(response.next_request.url) if response.next_request else url
            extra = self._auth() if self._same_origin(target) else {}
            response = self._http.send(
                self._http.build_request(method, target, headers={**extra, **(headers or {})}),
                stream=True,
            )
        try:
            if stream_to is not None and response.status_code < 400:
                partial = stream_to.with_name(stream_to.name + ".partial")
                try:
                    with partial.open("wb") as out:
                        for chunk in response.iter_bytes(_CHUNK):
                            out.write(chunk)
                            self._wait(0)  # a heartbeat per chunk: a long download is alive
                except BaseException:
                    partial.unlink(missing_ok=True)  # nothing half-written stays behind
                    raise
                partial.replace(stream_to)
            else:
                response.read()
        finally:
            response.close()
        log.debug("%s: %s %s -> %d", self.provider, method, url, response.status_code)
        return response
