"""Webhook events as OpenAI sends them, signed per Standard Webhooks, and who may receive them.

No HTTP client and no database here: this module says what an event body is, how a delivery is
signed, whether a target URL is acceptable and when the next retry is due. `store/webhooks.py`
keeps deliveries; `runner/deliveries.py` sends them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import ipaddress
import json
import os
import random
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reelgate.config import Settings
from reelgate.core.errors import InvalidRequest
from reelgate.core.ids import new_id
from reelgate.core.models import JobStatus
from reelgate.core.webhook_hosts import embedded_ipv4, numeric_host_problem

WEBHOOK_HEADER = "Reelgate-Webhook-Url"
NO_WEBHOOK = "none"  # the header value that turns the configured default off for one request
SECRET_FILE = "webhook-secret"
SECRET_PREFIX = "whsec_"

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# OpenAI's video event types; cancelled jobs are reported as failed, as OpenAI shows them.
EVENT_TYPES = {
    JobStatus.COMPLETED: "video.completed",
    JobStatus.FAILED: "video.failed",
    JobStatus.CANCELLED: "video.failed",
}


def new_event_id() -> str:
    return new_id("evt")


def event_body(event_id: str, event_type: str, job_id: str, created_at: float) -> str:
    """The JSON body of one event, fixed when the delivery is stored so retries are identical."""
    event = {
        "id": event_id,
        "object": "event",
        "created_at": int(created_at),
        "type": event_type,
        "data": {"id": job_id},
    }
    return json.dumps(event, separators=(",", ":"))


# -- signing ---------------------------------------------------------------------------------


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret: the decoded base64 part."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from exc


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` (Standard Webhooks)."""
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """Headers of one attempt: the id stays the same across retries, the timestamp is fresh
    (receivers refuse signatures older than a few minutes)."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "user-agent": "reelgate-webhooks",
    }


def load_or_create_secret(settings: Settings) -> str:
    """The configured secret, else the data directory's (the first process to start makes it;
    a new file is linked into place, so concurrent starts agree)."""
    if settings.webhook_secret:
        secret_key(settings.webhook_secret)  # refuse a malformed secret at start
        return settings.webhook_secret
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        _write_new_secret(path)
    return path.read_text().strip()


def _write_new_secret(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode())
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)


# -- who may receive -------------------------------------------------------------------------


def allowed_networks(spec: str) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(part.strip()) for part in spec.split(",") if part.strip())


def _special(address: IpAddress) -> bool:
    """Anything not on the public internet: private, shared (CGNAT), loopback, link-local,
    reserved, unspecified; multicast too."""
    return not address.is_global or address.is_multicast


def refused_address(address: IpAddress, allowed: Iterable[IpNetwork]) -> bool:
    """True for private, loopback, link-local and other special addresses outside `allowed`.
    An IPv6 address that carries an IPv4 address (`::ffff:10.0.0.1`, NAT64, 6to4) is judged by
    the IPv4 address, unless `allowed` names the IPv6 address itself."""
    allowed = tuple(allowed)
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            if any(net.version == 6 and address in net for net in allowed):
                return False
            address = inner
    if any(address.version == net.version and address in net for net in allowed):
        return False
    return _special(address)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


def parse_target(url: str) -> Target:
    """Check the form of a webhook URL: absolute http(s), a host, no credentials."""
    if len(url) > 2048:
        raise ValueError("a webhook URL is at most 2048 characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("a webhook URL must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("a webhook URL needs a host")
    problem = numeric_host_problem(parts.hostname)
    if problem is not None:
        raise ValueError(f"a webhook URL's {problem}")
    if parts.username or parts.password:
        raise ValueError("a webhook URL may not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValueError("a webhook URL has an invalid port") from exc
    return Target(parts.scheme, parts.hostname, port)


def check_literal_target(url: str, allowed: Iterable[IpNetwork]) -> None:
    """At request time: the URL's form, and its host when it is an IP address (a host name is
    resolved and checked again at every delivery, see `resolve_target`)."""
    target = parse_target(url)
    host = target.host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        host = "127.0.0.1"  # always loopback (RFC 6761), whatever a resolver says
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return  # a host name: checked when it is resolved, at each delivery
    if refused_address(address, allowed):
        raise ValueError(
            f"webhook target {target.host} is in a private, loopback or link-local network; "
            "allow it with REELGATE_WEBHOOK_ALLOW_NETWORKS"
        )


def resolve_target(url: str, allowed: Iterable[IpNetwork]) -> None:
    """At delivery time: every address the host resolves to must be acceptable."""
    target = parse_target(url)
    allowed = tuple(allowed)
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ValueError(f"cannot resolve {target.host}: {exc.strerror}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if refused_address(address, allowed):
            raise ValueError(
                f"webhook target {target.host} resolves to {address}, in a private, loopback or "
                "link-local network; allow it with REELGATE_WEBHOOK_ALLOW_NETWORKS"
            )


def requested_webhook(value: str | None, settings: Settings, param: str) -> str | None:
    """A client's per-request target, checked: None (use the default), NO_WEBHOOK, or a URL."""
    if value is None:
        return None
    value = value.strip()
    if value.lower() == NO_WEBHOOK:
        return NO_WEBHOOK
    try:
        check_literal_target(value, allowed_networks(settings.webhook_allow_networks))
    except ValueError as exc:
        raise InvalidRequest(f"Invalid webhook: {exc}.", param=param) from exc
    return value


def webhook_for(requested: str | None, owner: str | None, settings: Settings) -> str | None:
    """The target of a new job: the request's, else the owner's default, else the open-mode
    default (`webhook_url`); `NO_WEBHOOK` means none at all."""
    if requested == NO_WEBHOOK:
        return None
    if requested:
        return requested
    if owner is not None and owner in settings.webhook_urls:
        return settings.webhook_urls[owner]
    return settings.webhook_url


# -- when to retry ---------------------------------------------------------------------------


def retry_delay(attempts: int, settings: Settings, rng: random.Random | None = None) -> float:
    """Seconds to wait after `attempts` failed attempts: exponential (x4), capped, +-10 %."""
    base = settings.webhook_backoff_seconds * 4 ** (attempts - 1)
    delay = min(base, settings.webhook_backoff_max_seconds)
    return delay * (rng or random).uniform(0.9, 1.1)
