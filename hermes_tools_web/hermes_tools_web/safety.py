"""Address policy: keep an agent that is told to fetch a URL out of the host's internal network.

A model can be steered (prompt injection in a page it read) into fetching ``http://169.254.169.254/`` or
``http://localhost:6379/``. So every connection the fetcher opens resolves the name itself, refuses if
*any* address the name resolves to is private, loopback, link-local, reserved, multicast or a cloud
metadata endpoint, and then connects to the address it checked (see :mod:`hermes_tools_web.fetching`),
which closes the DNS-rebinding gap between "check" and "connect". ``HERMES_WEB_ALLOW_PRIVATE=1`` turns
the policy off (a trusted intranet, the tests' loopback site).

Pure stdlib on purpose: the policy is importable and testable without httpx.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = ("http", "https")

# Named explicitly so the refusal says why; most of them are also caught by the generic rules below.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (older)
    )
)

# IPv6 prefixes that embed an IPv4 address a router may translate to (NAT64).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedURL(ValueError):
    """A URL the policy refuses: bad scheme, no host, or an address in a forbidden range."""


def allow_private_from_env() -> bool:
    return os.environ.get("HERMES_WEB_ALLOW_PRIVATE", "").strip().lower() in ("1", "true", "yes", "on")


def blocked_reason(ip: IPAddress | str) -> str | None:
    """Why ``ip`` must not be contacted, or ``None`` when it is a public address."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip.split("%", 1)[0])  # drop an IPv6 zone id
    if ip in METADATA_ADDRESSES:
        return "cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = blocked_reason(embedded)
            return f"{inner} (embedded in IPv6 {ip})" if inner else None
    for attribute, reason in (
        ("is_unspecified", "unspecified address"),
        ("is_loopback", "loopback address"),
        ("is_link_local", "link-local address"),
        ("is_multicast", "multicast address"),
        ("is_reserved", "reserved address"),
        ("is_private", "private address"),
    ):
        if getattr(ip, attribute):
            return reason
    if not ip.is_global:  # shared address space 100.64/10, documentation ranges, ...
        return "non-public address"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses the fetcher may connect to.

    ``allow_private`` lifts the policy entirely; ``allow_networks`` punches specific holes (a test lets
    127.0.0.1/32 through but still refuses 127.0.0.2, to prove redirects are re-checked).
    """

    allow_private: bool = False
    allow_networks: tuple[Network, ...] = field(default=())

    @classmethod
    def from_env(cls) -> AddressPolicy:
        return cls(allow_private=allow_private_from_env())

    def reason(self, ip: IPAddress | str) -> str | None:
        if self.allow_private:
            return None
        if isinstance(ip, str):
            ip = ipaddress.ip_address(ip.split("%", 1)[0])
        if any(ip.version == net.version and ip in net for net in self.allow_networks):
            return None
        return blocked_reason(ip)

    def check_addresses(self, host: str, addresses: list[str]) -> None:
        """Raise :class:`BlockedURL` when any of ``addresses`` (what ``host`` resolved to) is refused."""
        if not addresses:
            raise BlockedURL(f"{host} did not resolve to any address")
        for address in addresses:
            why = self.reason(address)
            if why:
                detail = why if host.strip("[]") == address else f"it resolves to {address}, a {why}"
                raise BlockedURL(f"refused to fetch {host}: {detail}")


def check_url(url: str) -> tuple[str, int]:
    """Validate scheme and host of ``url``; return ``(host, port)`` for resolution."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedURL(f"invalid URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedURL(f"only http and https URLs can be fetched, not {scheme or 'a relative URL'!r}")
    host = parts.hostname
    if not host:
        raise BlockedURL(f"URL {url!r} has no host")
    return host, port or (443 if scheme == "https" else 80)


async def resolve(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (literals resolve to themselves), without blocking the loop."""
    import asyncio

    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


async def resolve_and_check(host: str, port: int, policy: AddressPolicy) -> list[str]:
    """Resolve ``host`` and apply ``policy`` to every address; the addresses that may be connected to."""
    try:
        addresses = await resolve(host.strip("[]"), port)
    except OSError as exc:
        raise BlockedURL(f"cannot resolve {host}: {exc}") from None
    policy.check_addresses(host, addresses)
    return addresses
