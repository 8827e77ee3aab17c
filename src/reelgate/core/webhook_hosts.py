"""Webhook hosts as the sender will reach them: numeric hosts in the one form every parser reads
alike, and IPv6 addresses that carry an IPv4 address judged by the address they carry.

`1.1.1.01`, `0x7f.1` or `2130706433` are hosts that one parser refuses (httpx: "Invalid IPv4
address") and another reads as an address (the C resolver: 1.1.1.1, 127.0.0.1): refused, as the
URL standard refuses a host whose last label is a number but which is no dotted-decimal IPv4.
"""

from __future__ import annotations

import ipaddress
import re

# IPv6 ranges whose last 32 bits (6to4: bits 16 to 48) are an IPv4 address that traffic reaches.
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated (RFC 4291), still routed by some
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052's well-known prefix
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")  # RFC 3056

_NUMBER = re.compile(r"(?:[0-9]+|0[xX][0-9a-fA-F]*)")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in SIX_TO_FOUR:
        return address.sixtofour
    if address in NAT64 or address in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def numeric_host_problem(host: str) -> str | None:
    """Why `host` (as `urlsplit` gives it) cannot be a webhook host, or None. A host whose last
    label is a number (decimal, or hex with `0x`) must be a plain dotted-decimal IPv4 address."""
    if ":" in host:  # an IPv6 literal, checked as one
        return None
    labels = host.rstrip(".").split(".")
    if not _NUMBER.fullmatch(labels[-1]):
        return None
    try:
        ipaddress.IPv4Address(host.rstrip("."))
    except ValueError:
        return (
            f"host '{host}' is no valid IPv4 address (four decimal numbers 0 to 255, "
            "without leading zeros)"
        )
    return None
