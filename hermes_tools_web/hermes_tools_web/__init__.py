"""hermes-tools-web: the ``web_extract`` and ``web_search`` tools, the ``web`` and ``search`` toolsets,
and the first-party search providers (Firecrawl, SearXNG, ddgs).

This module is the plugin (entry point group ``hermes``). It stays light: no httpx, trafilatura or SDK is
imported until a tool is called, and providers are registered as lazy references.
"""

from __future__ import annotations

from hermes_core import Toolset, hookimpl

__version__ = "0.1.0"


@hookimpl
def register_tools(register):
    from hermes_tools_web.tools import WEB_EXTRACT, WEB_SEARCH

    register(WEB_EXTRACT)
    register(WEB_SEARCH)


@hookimpl
def register_toolsets(register):
    register(Toolset(name="web", tools=("web_search", "web_extract"), description="Search and read the web."))
    register(Toolset(name="search", tools=("web_search",), description="Web search only."))


@hookimpl
def register_web_search_providers(register):
    register("hermes_tools_web.providers:FirecrawlProvider", name="firecrawl", description="Firecrawl API")
    register("hermes_tools_web.providers:SearxngProvider", name="searxng", description="SearXNG JSON API")
    register("hermes_tools_web.providers:DdgsProvider", name="ddgs", description="keyless, via ddgs")
