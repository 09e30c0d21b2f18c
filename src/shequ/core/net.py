"""Which address a request comes from, believing ``X-Forwarded-For`` only from the proxies we run.

Anyone can send ``X-Forwarded-For``; only a reverse proxy listed in ``SHEQU_TRUSTED_PROXIES`` (CIDR
blocks) is believed. The header is read from the right, where each trusted proxy appended the address it
was connected from, and the first address that is not one of our proxies is the client. Everything to its
left was written by the client itself and is ignored. Rate limits and the audit log use this one function.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

UNKNOWN = "0.0.0.0"  # noqa: S104 (an address to count by when the server gives none)


@cache
def _trusted(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def trusted_networks() -> tuple[Network, ...]:
    return _trusted(tuple(settings.TRUSTED_PROXIES))


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:5123
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: Address) -> bool:
    return any(address in network for network in trusted_networks())


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or what our own trusted proxies say the client's address was."""
    peer = _parse(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return UNKNOWN
    if not is_trusted_proxy(peer):
        return str(peer)
    hops = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    client = peer
    for raw in reversed(hops):
        address = _parse(raw)
        if address is None:
            # Garbage where a proxy of ours should have written an address: stop at the last hop we believe.
            break
        client = address
        if not is_trusted_proxy(address):
            break
    return str(client)


def ratelimit_ip(request: HttpRequest) -> str:
    """``RATELIMIT_IP_META_KEY`` for django-ratelimit: every ``key="ip"`` limit counts per real client."""
    return client_ip(request)
