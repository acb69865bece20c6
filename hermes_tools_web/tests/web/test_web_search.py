"""web_search: provider choice, the first-party providers against loopback endpoints, third parties."""

from __future__ import annotations

import json

import pytest

from hermes_core import hookimpl
from hermes_core.plugins import Hermes
from hermes_testkit.web import SearchProviderConformance
from hermes_tools_web.providers import SearchProvider, choose


def call(host, **args):
    return json.loads(host.tools.handle_function_call("web_search", args))


def test_unavailable_with_a_reason_when_nothing_is_configured(host):
    reason = host.tools.get("web_search").unavailable_reason()
    assert reason.startswith("no web search provider is configured")
    for hint in ("FIRECRAWL_API_KEY", "SEARXNG_URL", "HERMES_WEB_SEARCH_PROVIDER=ddgs"):
        assert hint in reason
    assert "web_search" in host.tools.unavailable()
    assert "web_search" not in host.tools.available(["web_search", "web_extract"])
    assert "is unavailable" in call(host, query="x")["error"]


def test_searxng_json_api(site, host, monkeypatch):
    monkeypatch.setenv("SEARXNG_URL", site.url("/searxng/"))
    assert host.tools.get("web_search").unavailable_reason() is None
    payload = call(host, query="hermes agents", limit=3)
    assert payload["provider"] == "searxng"
    assert payload["results"] == [
        {"title": f"Result {i}", "url": f"https://example.org/{i}", "description": f"snippet {i}"}
        for i in range(3)
    ]
    assert site.hits == ["/searxng/search?q=hermes+agents&format=json"]


def test_searxng_without_json_format_explains_the_fix(site, host, monkeypatch):
    monkeypatch.setenv("SEARXNG_URL", site.url("/searxng-nojson"))
    assert "enable 'json' under search.formats" in call(host, query="x")["error"]


def test_searxng_unreachable_is_an_error_result(host, monkeypatch):
    monkeypatch.setenv("SEARXNG_URL", "http://127.0.0.1:1")
    assert call(host, query="x")["error"].startswith("searxng search failed: ConnectError")


def test_explicit_choice_wins_and_unknown_names_are_explained(site, host, monkeypatch):
    monkeypatch.setenv("SEARXNG_URL", site.url("/searxng"))
    monkeypatch.setenv("HERMES_WEB_SEARCH_PROVIDER", "nope")
    reason = host.tools.get("web_search").unavailable_reason()
    assert reason == (
        "HERMES_WEB_SEARCH_PROVIDER=nope is not an installed search provider; "
        "installed: ddgs, firecrawl, searxng"
    )
    monkeypatch.setenv("HERMES_WEB_SEARCH_PROVIDER", "firecrawl")
    assert "FIRECRAWL_API_KEY" in host.tools.get("web_search").unavailable_reason()


def test_keyless_is_never_picked_implicitly(host):
    pytest.importorskip("ddgs")
    assert host.web_search_providers.get("ddgs").unavailable_reason() is None  # usable...
    assert choose(host.web_search_providers)[0] is None  # ...but only when asked for


@pytest.fixture
def fake_ddgs(monkeypatch):
    """ddgs scrapes live engines: replace its client so no test ever leaves this machine."""
    pytest.importorskip("ddgs")
    import ddgs
    from ddgs.exceptions import DDGSException

    class FakeDDGS:
        fail = False

        def __init__(self, **kwargs):
            pass

        def text(self, query, max_results=10):
            if FakeDDGS.fail:
                raise DDGSException("DNSError: error resolving DNS")
            return [
                {"title": f"{query} {i}", "href": f"https://example.net/{i}", "body": f"body {i}"}
                for i in range(9)
            ]

    monkeypatch.setattr(ddgs, "DDGS", FakeDDGS)
    monkeypatch.setenv("HERMES_WEB_SEARCH_PROVIDER", "ddgs")
    return FakeDDGS


def test_ddgs_when_chosen(host, fake_ddgs):
    payload = call(host, query="q", limit=2)
    assert payload == {
        "query": "q",
        "provider": "ddgs",
        "results": [
            {"title": "q 0", "url": "https://example.net/0", "description": "body 0"},
            {"title": "q 1", "url": "https://example.net/1", "description": "body 1"},
        ],
    }


def test_ddgs_offline_is_an_error_result(host, fake_ddgs):
    fake_ddgs.fail = True
    payload = call(host, query="q")
    assert payload == {"error": "ddgs search failed: DNSError: error resolving DNS", "provider": "ddgs"}


def test_firecrawl_through_its_sdk(site, host, monkeypatch):
    pytest.importorskip("firecrawl")
    monkeypatch.setenv("FIRECRAWL_API_KEY", "fc-test")
    monkeypatch.setenv("FIRECRAWL_API_URL", site.url("/firecrawl"))
    monkeypatch.setenv("SEARXNG_URL", site.url("/searxng"))  # configured too: firecrawl comes first
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    payload = call(host, query="hermes", limit=4)
    assert payload["provider"] == "firecrawl"
    assert payload["results"] == [
        {"title": "Firecrawl hit", "url": "https://example.com/fc", "description": "from fc"},
        {"title": "A document", "url": "https://example.com/doc", "description": "scraped"},
    ]
    assert [hit.rsplit("/", 2)[-2:] for hit in site.hits] == [["v2", "search"]]
    sent = json.loads(site.bodies[0])
    assert (sent["query"], sent["limit"]) == ("hermes", 4)


class AcmeSearch(SearchProvider):
    """Acme's search engine."""

    name = "acme"
    priority = 5
    requires_env = ("ACME_KEY",)
    setup_hint = "set ACME_KEY"

    async def search(self, query, limit):
        if query == "boom":
            raise RuntimeError("acme is down")
        return [
            {"title": "Acme", "url": "https://acme.example/1", "snippet": "async hit"},
            {"title": "no url"},
        ]


class AcmePlugin:
    @hookimpl
    def register_web_search_providers(self, register):
        register(AcmeSearch)


def test_third_party_provider_via_the_plugin_system(host, monkeypatch):
    record = host.register(AcmePlugin(), name="acme-search")
    assert record.status == "ok", record.error
    assert record.provides == {"web_search_providers": ["acme"]}
    assert host.web_search_providers.entry("acme").metadata["description"] == "Acme's search engine."
    assert "set ACME_KEY" in host.tools.get("web_search").unavailable_reason()
    monkeypatch.setenv("ACME_KEY", "k")
    monkeypatch.setenv("SEARXNG_URL", "http://127.0.0.1:1")  # configured, but acme's priority is lower
    payload = call(host, query="q")
    assert payload == {
        "query": "q",
        "provider": "acme",
        "results": [{"title": "Acme", "url": "https://acme.example/1", "description": "async hit"}],
    }
    assert call(host, query="boom")["error"] == "acme search failed: RuntimeError: acme is down"


def test_provider_name_clash_fails_that_plugin_only(host):
    class Imposter(SearchProvider):
        name = "searxng"

    class ImposterPlugin:
        @hookimpl
        def register_web_search_providers(self, register):
            register(Imposter)

    record = host.register(ImposterPlugin(), name="imposter")
    assert record.status == "failed"
    assert "'hermes-tools-web'" in record.error and "'imposter'" in record.error
    assert host.web_search_providers.entry("searxng").plugin == "hermes-tools-web"


def test_fresh_host_without_this_plugin_has_no_providers():
    bare = Hermes()
    assert choose(bare.registry("web_search_providers")) == (None, "no web search provider is configured")


# -- the test kit's provider conformance, once per first-party provider ---------------------------------


class TestSearxngConformance(SearchProviderConformance):
    provider_name = "searxng"

    @pytest.fixture
    def configured(self, site, host, monkeypatch):
        monkeypatch.setenv("SEARXNG_URL", site.url("/searxng/"))

    def make_it_fail(self, monkeypatch):
        monkeypatch.setenv("SEARXNG_URL", "http://127.0.0.1:1")


class TestFirecrawlConformance(SearchProviderConformance):
    provider_name = "firecrawl"

    @pytest.fixture
    def configured(self, site, host, monkeypatch):
        pytest.importorskip("firecrawl")
        monkeypatch.setenv("FIRECRAWL_API_KEY", "fc-test")
        monkeypatch.setenv("FIRECRAWL_API_URL", site.url("/firecrawl"))
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    def make_it_fail(self, monkeypatch):
        monkeypatch.setenv("FIRECRAWL_API_URL", "http://127.0.0.1:1")


class TestDdgsConformance(SearchProviderConformance):
    provider_name = "ddgs"

    @pytest.fixture
    def configured(self, fake_ddgs, host):
        self.fake = fake_ddgs

    def make_it_fail(self, monkeypatch):
        self.fake.fail = True
