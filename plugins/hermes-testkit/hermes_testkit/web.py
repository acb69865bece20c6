"""Conformance suite for web-search providers: subclass :class:`SearchProviderConformance` once per provider.

::

    from hermes_testkit.web import SearchProviderConformance

    class TestAcmeSearch(SearchProviderConformance):
        provider_name = "acme"

        @pytest.fixture
        def configured(self, monkeypatch, acme_server):   # make it usable here, offline
            monkeypatch.setenv("ACME_URL", acme_server.url)

        def make_it_fail(self, monkeypatch):              # optional: an outage the tool must survive
            monkeypatch.setenv("ACME_URL", "http://127.0.0.1:1")

Checked through the provider's public face (``name``, ``unavailable_reason()``, ``search()``, sync or
async) and through the ``web_search`` tool itself (``hermes_tools_web``), so a provider that passes
behaves like the first-party ones: results are ``{title, url, description}``, at most ``limit`` of them,
and an outage is an error *result*, never an exception out of the tool.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any, ClassVar

import pytest

PROVIDER_ENV = "HERMES_WEB_SEARCH_PROVIDER"


class SearchProviderConformance:
    """Set ``provider_name``; override the ``configured`` fixture (and :meth:`make_it_fail`)."""

    provider_name: ClassVar[str] = ""
    query: ClassVar[str] = "hermes agents"

    # -- hooks for subclasses ------------------------------------------------------------------------

    @pytest.fixture
    def configured(self):
        """Make the provider usable in this test, offline (a loopback server, a fake SDK)."""

    def make_it_fail(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Break the provider the way an outage would; the default skips the outage test."""
        pytest.skip(f"{type(self).__name__} gives no failure mode (override make_it_fail)")

    def host(self) -> Any:
        from hermes_core.plugins import get_hermes

        return get_hermes()

    # -- helpers -------------------------------------------------------------------------------------

    def provider_class(self) -> Any:
        registry = self.host().registry("web_search_providers")
        assert self.provider_name in registry, f"{self.provider_name!r} is not a registered search provider"
        return registry.get(self.provider_name)

    def run_search(self, query: str, limit: int) -> list[dict[str, str]]:
        from hermes_tools_web.providers import normalise

        provider = self.provider_class()()
        hits = provider.search(query, limit)
        if inspect.isawaitable(hits):
            hits = asyncio.run(_await(hits))
        return normalise(hits, limit)

    def call_tool(self, monkeypatch: pytest.MonkeyPatch, **args: Any) -> dict[str, Any]:
        monkeypatch.setenv(PROVIDER_ENV, self.provider_name)
        return json.loads(self.host().tools.handle_function_call("web_search", args))

    # -- the contract --------------------------------------------------------------------------------

    def test_registered_under_its_name(self):
        provider = self.provider_class()
        assert getattr(provider, "name", None) == self.provider_name
        assert callable(getattr(provider, "search", None)) and callable(provider.unavailable_reason)

    def test_usable_once_configured(self, configured):
        assert self.provider_class().unavailable_reason() is None

    def test_results_are_title_url_description(self, configured):
        results = self.run_search(self.query, 5)
        assert results, "a configured provider found nothing for a plain query"
        for result in results:
            assert set(result) == {"title", "url", "description"}
            assert all(isinstance(value, str) for value in result.values())
            assert result["url"].startswith(("http://", "https://")), result

    def test_limit_is_respected(self, configured):
        assert len(self.run_search(self.query, 1)) <= 1

    def test_the_web_search_tool_uses_it(self, configured, monkeypatch):
        payload = self.call_tool(monkeypatch, query=self.query, limit=2)
        assert payload.get("provider") == self.provider_name, payload
        assert payload["query"] == self.query and 1 <= len(payload["results"]) <= 2

    def test_an_outage_is_an_error_result(self, configured, monkeypatch):
        self.make_it_fail(monkeypatch)
        payload = self.call_tool(monkeypatch, query=self.query)
        assert "error" in payload and "results" not in payload, payload
        assert "Traceback" not in payload["error"] and "\n" not in payload["error"].strip()


async def _await(awaitable: Any) -> Any:
    return await awaitable
