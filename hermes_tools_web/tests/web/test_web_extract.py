"""web_extract against a real HTTP site on 127.0.0.1."""

from __future__ import annotations

import asyncio
import ipaddress
import json

import pytest

import hermes_tools_web.safety as safety
from hermes_tools_web.extraction import cut, kind_of
from hermes_tools_web.fetching import FetchSettings
from hermes_tools_web.safety import AddressPolicy
from hermes_tools_web.tools import extract_urls

OPEN = AddressPolicy(allow_private=True)


def run(urls, settings=None, policy=OPEN, max_chars=None):
    return asyncio.run(
        extract_urls(urls, settings=settings or FetchSettings(timeout=5), policy=policy, max_chars=max_chars)
    )


def one(url, **kwargs):
    [result] = run([url], **kwargs)
    return result


def test_article_becomes_markdown_with_title_and_links(site):
    result = one(site.url("/article"))
    assert "error" not in result, result
    assert result["status"] == 200
    assert result["title"] == "The Art of Testing"
    content = result["content"]
    assert "# The Art of Testing" in content
    assert "**important**" in content
    assert "- fast feedback" in content
    assert f"[the longer guide]({site.url('/more')})" in content
    assert "footer boilerplate" not in content  # main text only
    links = {link["url"]: link["text"] for link in result["links"]}
    assert links[site.url("/more")] == "the longer guide"
    assert links["https://example.org/x"] == "an outside view"
    assert site.url("/home") in links  # the page's links, navigation included
    assert result["truncated"] is False
    assert "note" not in result


def test_loopback_is_refused_by_default_and_never_contacted(site):
    result = one(site.url("/article"), policy=AddressPolicy.from_env())
    assert result == {"url": site.url("/article"), "error": "refused to fetch 127.0.0.1: loopback address"}
    assert site.hits == []


def test_the_setting_allows_private_addresses(site, allow_private):
    result = one(site.url("/article"), policy=None)
    assert result["title"] == "The Art of Testing"


def test_redirect_chain_is_followed(site):
    result = one(site.url("/redirect/1"))
    assert result["final_url"] == site.url("/article")
    assert result["title"] == "The Art of Testing"
    assert site.hits == ["/redirect/1", "/redirect/2", "/redirect/3", "/article"]


def test_redirect_loop_is_reported(site):
    result = one(site.url("/loop/a"))
    assert result["error"].startswith("redirect loop: ")
    assert site.hits == ["/loop/a", "/loop/b"]


def test_redirects_are_bounded(site):
    result = one(site.url("/endless/0"), settings=FetchSettings(timeout=5, max_redirects=3))
    assert result["error"].startswith("too many redirects (more than 3)")
    assert len(site.hits) == 4


def test_every_redirect_hop_is_rechecked(site):
    """127.0.0.1 is let through, the redirect to 127.0.0.2 is not: checked per hop, before connecting."""
    policy = AddressPolicy(allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    result = one(site.url("/to-other-loopback"), policy=policy)
    assert result["error"] == "refused to fetch 127.0.0.2: loopback address"
    result = one(site.url("/to-metadata"), policy=policy)
    assert result["error"] == "refused to fetch 169.254.169.254: cloud metadata address"
    assert site.hits == ["/to-other-loopback", "/to-metadata"]


def test_redirect_to_another_scheme_is_refused(site):
    assert "only http and https" in one(site.url("/to-ftp"))["error"]


def test_connection_goes_to_the_checked_address(site, monkeypatch):
    """The guard resolves once and connects to what it checked (no second lookup to rebind)."""
    calls = []

    async def fake_resolve(host, port):
        calls.append(host)
        return ["127.0.0.1"] if host == "pinned.test" else ["169.254.169.254"]

    monkeypatch.setattr(safety, "resolve", fake_resolve)
    url = f"http://pinned.test:{site.port}/article"  # .test never resolves through real DNS
    assert one(url)["title"] == "The Art of Testing"
    blocked = one(f"http://rebound.test:{site.port}/article", policy=AddressPolicy())
    assert (
        blocked["error"]
        == "refused to fetch rebound.test: it resolves to 169.254.169.254, a cloud metadata address"
    )
    assert calls == ["pinned.test", "rebound.test"]


def test_huge_page_stops_reading_at_the_cap(site):
    result = one(site.url("/huge"), settings=FetchSettings(timeout=10, max_bytes=200_000))
    assert result["truncated"] is True
    assert "stopped reading after 200000 bytes" in result["note"]
    assert "lorem ipsum" in result["content"]


def test_long_content_is_cut_with_a_visible_note(site):
    result = one(site.url("/long.txt"), max_chars=5000)
    assert result["truncated"] is True
    assert len(result["content"]) < 5100
    assert result["content"].endswith("characters ...]")
    assert "content cut at" in result["note"]


def test_slow_page_times_out_without_holding_up_the_others(site, timer):
    results = run([site.url("/slow?s=5"), site.url("/article")], settings=FetchSettings(timeout=0.5))
    assert results[0] == {"url": site.url("/slow?s=5"), "error": "timed out after 0.5s"}
    assert results[1]["title"] == "The Art of Testing"
    assert timer() < 3


def test_trickling_body_hits_the_overall_deadline(site, timer):
    result = one(site.url("/drip"), settings=FetchSettings(timeout=0.6))
    assert result["error"] == "timed out after 0.6s"
    assert timer() < 3


def test_not_found_is_a_per_url_error(site):
    results = run([site.url("/missing"), site.url("/notes.txt")])
    assert results[0]["error"] == "HTTP 404 Not Found"
    assert results[0]["status"] == 404
    assert results[1]["content"].startswith("Plain notes.")


def test_binary_content_is_described_not_dumped(site):
    png = one(site.url("/image.png"))
    assert png["content"] is None
    assert png["note"] == "binary content (image/png, 1040 bytes) not shown"
    blob = one(site.url("/blob"))
    assert blob["content"] is None
    assert blob["note"].startswith("binary content (application/octet-stream")


def test_json_is_pretty_printed(site):
    result = one(site.url("/data.json"))
    assert json.loads(result["content"]) == {"name": "hermes", "tools": ["web_search", "web_extract"], "n": 2}
    assert '\n  "name": "hermes"' in result["content"]
    assert result["content_type"] == "application/json"


def test_plain_text_is_kept_as_is(site):
    result = one(site.url("/notes.txt"))
    assert result["content"] == "Plain notes.\nSecond line: caf\u00e9.\n"
    assert result["title"] is None


def test_declared_charset_is_honoured(site):
    result = one(site.url("/latin1"))
    assert result["title"] == "Caf\u00e9"
    assert "Un caf\u00e9 cr\u00e8me" in result["content"]


def test_page_without_text_says_so(site):
    result = one(site.url("/empty"))
    assert result["content"] == ""
    assert "no readable text found" in result["note"]


def test_errors_stay_per_url_and_in_order(site):
    urls = [
        site.url("/article"),
        "ftp://x/y",
        site.url("/missing"),
        "http://127.0.0.1:1/closed",
        site.url("/data.json"),
    ]
    results = run(urls)
    assert [r["url"] for r in results] == urls
    assert results[0]["title"] == "The Art of Testing"
    assert "only http and https" in results[1]["error"]
    assert results[2]["status"] == 404
    assert results[3]["error"].startswith("could not connect")
    assert "error" not in results[4]


def test_tool_dispatch_returns_json(site, host, allow_private):
    raw = host.tools.handle_function_call(
        "web_extract", {"urls": [site.url("/article"), site.url("/missing")]}
    )
    payload = json.loads(raw)
    assert payload["results"][0]["title"] == "The Art of Testing"
    assert payload["results"][1]["error"] == "HTTP 404 Not Found"
    raw = asyncio.run(
        host.tools.ahandle_function_call("web_extract", json.dumps({"urls": [site.url("/notes.txt")]}))
    )
    assert json.loads(raw)["results"][0]["content"].startswith("Plain notes.")


@pytest.mark.parametrize("urls", [[], [f"http://example.org/{i}" for i in range(11)], "http://example.org"])
def test_argument_errors_come_back_as_errors(host, urls):
    payload = json.loads(host.tools.handle_function_call("web_extract", {"urls": urls}))
    assert payload["error"].startswith("invalid arguments for web_extract: urls")


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("HERMES_WEB_TIMEOUT", "3.5")
    monkeypatch.setenv("HERMES_WEB_MAX_BYTES", "1000")
    settings = FetchSettings.from_env()
    assert (settings.timeout, settings.max_bytes, settings.max_redirects) == (3.5, 1000, 5)


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("HERMES_WEB_MAX_BYTES", "-1", "must be at least 1"),
        ("HERMES_WEB_TIMEOUT", "-2", "must be greater than 0"),
        ("HERMES_WEB_TIMEOUT", "0", "must be greater than 0"),
        ("HERMES_WEB_MAX_REDIRECTS", "bogus", "expected an integer"),
    ],
)
def test_bad_limits_are_refused_with_a_clear_error(host, monkeypatch, variable, value, problem):
    """Issue 15.9: a negative byte cap or timeout used to be accepted (and a bogus one ignored)."""
    from hermes_core.registry import HermesError

    monkeypatch.setenv(variable, value)
    with pytest.raises(HermesError, match=rf"= '{value}' \(env {variable}\): {problem}"):
        FetchSettings.from_env()
    payload = json.loads(host.tools.handle_function_call("web_extract", {"urls": ["http://127.0.0.1:9/"]}))
    assert (
        variable in payload["error"] and problem in payload["error"] and "Traceback" not in payload["error"]
    )


@pytest.mark.parametrize(
    ("media_type", "body", "kind"),
    [
        ("text/html", b"", "html"),
        ("application/ld+json", b"{}", "json"),
        ("application/rss+xml", b"<rss/>", "text"),
        ("", b"<!DOCTYPE html><html>", "html"),
        ("", b'{"a": 1}', "json"),
        ("", b"just words", "text"),
        ("application/octet-stream", b"\x89PNG\x00\x01", "binary"),
        ("", "caf\u00e9".encode()[:-1], "text"),  # a character cut at the edge is not binary
    ],
)
def test_kind_of(media_type, body, kind):
    assert kind_of(media_type, body) == kind


def test_cut_prefers_paragraph_boundaries():
    text = ("para " * 180 + "\n\n") * 5
    shown, note = cut(text, 2000)
    assert note is not None and shown.endswith(f"[... {note} ...]")
    assert shown.split("\n\n[...")[0].endswith("para")
    assert cut("short", 2000) == ("short", None)
