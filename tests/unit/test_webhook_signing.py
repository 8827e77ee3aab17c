"""Webhook events and signatures as the official SDK verifies them; which targets are refused;
how the target of a job is chosen; how retries back off."""

from __future__ import annotations

import base64
import ipaddress
import itertools
import json
import time
from pathlib import Path

import pytest
from openai import InvalidWebhookSignatureError, OpenAI

from reelgate.config import Settings
from reelgate.core.errors import InvalidRequest
from reelgate.core.webhooks import (
    NO_WEBHOOK,
    allowed_networks,
    check_literal_target,
    event_body,
    load_or_create_secret,
    refused_address,
    requested_webhook,
    resolve_target,
    retry_delay,
    signed_headers,
    webhook_for,
)

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
LOOPBACK = allowed_networks("127.0.0.0/8,::1/128")


def test_the_official_sdk_verifies_and_parses_a_signed_event():
    body = event_body("evt_1", "video.completed", "video_1", time.time())
    headers = signed_headers(SECRET, "evt_1", int(time.time()), body)
    event = OpenAI(api_key="x", webhook_secret=SECRET).webhooks.unwrap(body, headers)
    assert (event.id, event.type, event.object, event.data.id) == (
        "evt_1", "video.completed", "event", "video_1",
    )  # fmt: skip
    assert set(json.loads(body)) == {"id", "object", "created_at", "type", "data"}


@pytest.mark.parametrize("tamper", ["body", "secret", "stale"])
def test_a_tampered_or_stale_event_is_rejected_by_the_sdk(tamper: str):
    now = int(time.time())
    body = event_body("evt_1", "video.failed", "video_1", now)
    headers = signed_headers(SECRET, "evt_1", now - 3600 if tamper == "stale" else now, body)
    if tamper == "body":
        body = body.replace("video_1", "video_2")
    secret = (
        "whsec_" + base64.b64encode(b"another secret").decode() if tamper == "secret" else SECRET
    )
    with pytest.raises(InvalidWebhookSignatureError):
        OpenAI(api_key="x").webhooks.unwrap(body, headers, secret=secret)


def test_a_secret_is_made_once_per_data_directory_unless_configured(tmp_path: Path):
    made = load_or_create_secret(Settings(data_dir=tmp_path))
    assert made.startswith("whsec_") and len(base64.b64decode(made[6:])) == 32
    assert load_or_create_secret(Settings(data_dir=tmp_path)) == made
    assert load_or_create_secret(Settings(data_dir=tmp_path, webhook_secret=SECRET)) == SECRET


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "0.0.0.0",
     "::ffff:127.0.0.1", "100.64.0.1"],
)  # fmt: skip
def test_special_addresses_are_refused_unless_allowed(address: str):
    ip = ipaddress.ip_address(address)
    assert refused_address(ip, ())
    allowed = allowed_networks("0.0.0.0/0,::/0")
    assert not refused_address(ip, allowed)


def test_public_addresses_pass_and_loopback_passes_only_when_allowed():
    assert not refused_address(ipaddress.ip_address("93.184.216.34"), ())
    check_literal_target("http://127.0.0.1:9/hook", LOOPBACK)
    check_literal_target("https://hooks.example.com/x", ())  # names are checked when resolved
    resolve_target("http://localhost:9/hook", LOOPBACK)
    with pytest.raises(ValueError, match="loopback"):
        resolve_target("http://localhost:9/hook", ())


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/x", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("http://user:pw@example.com/", "credentials"),
        ("http:///nohost", "host"),
        ("http://localhost/x", "loopback"),
        ("http://[::1]:8000/x", "loopback"),
        ("http://169.254.169.254/latest", "link-local"),
    ],
)
def test_bad_targets_are_refused_when_the_job_is_made(url: str, reason: str):
    with pytest.raises(InvalidRequest, match=reason) as refused:
        requested_webhook(url, Settings(), "Reelgate-Webhook-Url")
    assert refused.value.param == "Reelgate-Webhook-Url"


def test_the_target_is_the_requests_then_the_owners_then_the_default():
    settings = Settings(
        webhook_url="https://default.example/h", webhook_urls={"key_a": "https://a.example/h"}
    )
    assert webhook_for("https://mine.example/h", None, settings) == "https://mine.example/h"
    assert webhook_for(None, "key_a", settings) == "https://a.example/h"
    assert webhook_for(None, "key_b", settings) == "https://default.example/h"
    assert webhook_for(None, None, settings) == "https://default.example/h"
    assert webhook_for(NO_WEBHOOK, None, settings) is None
    assert requested_webhook(" None ", settings, "h") == NO_WEBHOOK
    assert webhook_for(None, None, Settings()) is None


def test_retries_back_off_exponentially_up_to_the_cap():
    settings = Settings(webhook_backoff_seconds=5, webhook_backoff_max_seconds=3 * 3600)
    delays = [retry_delay(n, settings) for n in range(1, 12)]
    assert 4.5 <= delays[0] <= 5.5 and 18 <= delays[1] <= 22
    assert all(later >= earlier * 0.8 for earlier, later in itertools.pairwise(delays))
    assert max(delays) <= 3 * 3600 * 1.1
    total_hours = sum(delays) / 3600
    assert total_hours > 10  # "for hours"
