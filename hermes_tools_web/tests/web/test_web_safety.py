"""The address policy, with real resolution of literal addresses (nothing here opens a connection)."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from hermes_tools_web.safety import (
    AddressPolicy,
    BlockedURL,
    allow_private_from_env,
    blocked_reason,
    check_url,
    resolve_and_check,
)

BLOCKED = {
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback",
    "10.0.0.1": "private",
    "172.16.5.4": "private",
    "192.168.1.1": "private",
    "169.254.169.254": "metadata",
    "169.254.170.2": "metadata",
    "169.254.1.1": "link-local",
    "100.100.100.200": "metadata",
    "100.64.0.1": "non-public",
    "0.0.0.0": "unspecified",
    "224.0.0.1": "multicast",
    "240.0.0.1": "reserved",
    "192.0.2.10": "private",  # documentation range
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "private",
    "fd00:ec2::254": "metadata",
    "ff02::1": "multicast",
    "::ffff:127.0.0.1": "loopback",
    "::ffff:10.0.0.1": "private",
    "::ffff:169.254.169.254": "metadata",
    "2002:7f00:1::": "loopback",  # 6to4 wrapping 127.0.0.1
    "64:ff9b::a00:1": "private",  # NAT64 wrapping 10.0.0.1
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize(("address", "why"), sorted(BLOCKED.items()))
def test_forbidden_addresses_are_named(address, why):
    assert why in blocked_reason(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert blocked_reason(address) is None
    assert AddressPolicy().reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "::1", "::ffff:127.0.0.1", "localhost"]
)
def test_resolved_literals_are_refused(host):
    with pytest.raises(BlockedURL, match="refused to fetch"):
        asyncio.run(resolve_and_check(host, 80, AddressPolicy()))


def test_a_name_is_judged_by_what_it_resolves_to():
    with pytest.raises(BlockedURL, match=r"localhost: it resolves to (127\.0\.0\.1|::1), a loopback address"):
        asyncio.run(resolve_and_check("localhost", 80, AddressPolicy()))


def test_public_literal_is_allowed_by_policy_without_being_contacted():
    assert asyncio.run(resolve_and_check("8.8.8.8", 443, AddressPolicy())) == ["8.8.8.8"]


def test_allow_private_lifts_the_policy():
    policy = AddressPolicy(allow_private=True)
    for host in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "::1"):
        assert asyncio.run(resolve_and_check(host, 80, policy))


def test_allow_networks_punches_a_narrow_hole():
    policy = AddressPolicy(allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    assert policy.reason("127.0.0.1") is None
    assert policy.reason("127.0.0.2") == "loopback address"
    assert policy.reason("::1") == "loopback address"


def test_unresolvable_name_is_an_error_not_a_pass():
    with pytest.raises(BlockedURL, match="cannot resolve"):
        asyncio.run(resolve_and_check("no-such-host.invalid", 80, AddressPolicy()))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/file", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("example.org/page", "only http and https"),
        ("http:///path", "no host"),
        ("http://[::1/", "invalid URL"),
        ("http://example.org:99999/", "invalid URL"),
    ],
)
def test_urls_outside_http_are_refused(url, message):
    with pytest.raises(BlockedURL, match=message):
        check_url(url)


def test_check_url_gives_host_and_default_port():
    assert check_url("https://Example.org/x") == ("example.org", 443)
    assert check_url("http://[::1]:8080/") == ("::1", 8080)


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_allow_private_setting(monkeypatch, value, expected):
    monkeypatch.setenv("HERMES_WEB_ALLOW_PRIVATE", value)
    assert allow_private_from_env() is expected
    assert AddressPolicy.from_env().allow_private is expected
