"""Webhook targets that parsers read differently, and IPv6 addresses that carry IPv4 ones: the
checks at registration refuse them, and the sender fails a stored one at once."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from sqlalchemy import Engine

from reelgate.config import Settings
from reelgate.core.errors import InvalidRequest
from reelgate.core.ids import new_generation_id, new_job_id
from reelgate.core.models import Generation, Job, VideoSpec
from reelgate.core.webhook_hosts import embedded_ipv4
from reelgate.core.webhooks import (
    allowed_networks,
    check_literal_target,
    refused_address,
    requested_webhook,
)
from reelgate.runner.deliveries import DeliveryLoop
from reelgate.store.db import JobStore
from reelgate.store.webhooks import WebhookStore

SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
LOOPBACK = allowed_networks("127.0.0.0/8")


@pytest.mark.parametrize(
    "host", ["1.1.1.01", "01.1.1.1", "0x7f.1", "0x7f000001", "2130706433", "1.1.1", "127.1",
             "1.1.1.1.1", "256.1.1.1", "example.0x10"],
)  # fmt: skip
def test_numbers_that_are_no_dotted_decimal_address_are_refused(host: str):
    with pytest.raises(ValueError, match="no valid IPv4 address"):
        check_literal_target(f"http://{host}/hook", ())
    with pytest.raises(InvalidRequest, match="Invalid webhook"):
        requested_webhook(f"https://{host}:8443/hook", Settings(), "Reelgate-Webhook-Url")


@pytest.mark.parametrize(
    "url", ["http://1.1.1.1/h", "https://8.8.8.8:8443/h", "https://hooks.example.com/h",
            "http://1a.example/h", "http://v2.example.com/h",
            "http://[2001:4860:4860::8888]/h"],
)  # fmt: skip
def test_plain_public_targets_pass(url: str):
    check_literal_target(url, ())


@pytest.mark.parametrize(
    ("v6", "v4"),
    [
        ("::a00:1", "10.0.0.1"),  # IPv4-compatible
        ("::7f00:1", "127.0.0.1"),
        ("::ffff:10.0.0.1", "10.0.0.1"),  # IPv4-mapped
        ("64:ff9b::a00:1", "10.0.0.1"),  # NAT64
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
        ("2002:a00:1::", "10.0.0.1"),  # 6to4
        ("2002:7f00:1:0:1::1", "127.0.0.1"),
    ],
)
def test_ipv6_carrying_a_private_ipv4_address_is_judged_by_it(v6: str, v4: str):
    address = ipaddress.IPv6Address(v6)
    assert embedded_ipv4(address) == ipaddress.IPv4Address(v4)
    assert refused_address(address, ())
    with pytest.raises(ValueError, match="private, loopback or link-local"):
        check_literal_target(f"http://[{v6}]:8080/hook", ())
    if v4.startswith("127."):  # allowing the IPv4 network allows its IPv6 forms
        assert not refused_address(address, LOOPBACK)
    assert not refused_address(address, allowed_networks(f"{v6}/128"))


@pytest.mark.parametrize("v6", ["::808:808", "64:ff9b::808:808", "2002:808:808::1"])
def test_ipv6_carrying_a_public_ipv4_address_passes(v6: str):
    assert not refused_address(ipaddress.IPv6Address(v6), ())


def test_a_plain_ipv6_address_carries_none():
    assert embedded_ipv4(ipaddress.IPv6Address("2001:4860:4860::8888")) is None


# -- the sender ------------------------------------------------------------------------------


def _delivery_to(database: Engine, url: str) -> WebhookStore:
    """A finished job whose stored webhook target is `url` (as an older server stored it)."""
    jobs, hooks = JobStore(database), WebhookStore(database)
    jobs.create_schema()
    spec = VideoSpec(prompt="p", width=64, height=64, seconds=2)
    job = Job(id=new_job_id(), model="m", provider="preview", spec=spec, created_at=100.0,
              webhook=url)  # fmt: skip
    jobs.insert_job(job)
    assert jobs.claim_job("w1", 101.0, 30.0) is not None
    made = [Generation(id=new_generation_id(), job_id=job.id, index=0, width=64, height=64,
                       seconds=2.0)]  # fmt: skip
    assert jobs.complete_job(job.id, "w1", 105.0, made)
    return hooks


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://1.1.1.01/hook", "no valid IPv4 address"),  # refused by httpx, read by libc
        ("http://\N{SNOWMAN}.example/hook", "Invalid IDNA hostname"),  # only httpx refuses it
    ],
)
def test_a_stored_target_that_cannot_be_parsed_fails_at_once(
    database: Engine, tmp_path: Path, url: str, reason: str
):
    hooks = _delivery_to(database, url)
    settings = Settings(data_dir=tmp_path, webhook_max_attempts=8)
    loop = DeliveryLoop(hooks, settings, SECRET)
    try:
        assert loop.send_one("sender") is True
        assert loop.send_one("sender") is False, "nothing is left to retry"
    finally:
        loop.stop()
    (delivery,), _ = hooks.list(limit=10)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    (attempt,) = hooks.attempts([delivery.id])[delivery.id]
    assert attempt.status_code is None and reason in (attempt.error or "")
    assert "cannot be used" in (attempt.error or "")
