"""hermes-tools-web: the ``web_extract`` and ``web_search`` tools, the ``web`` and ``search`` toolsets,
and the first-party search providers (Firecrawl, SearXNG, ddgs).

This module is the plugin (entry point group ``hermes``). It stays light: no httpx, trafilatura or SDK is
imported until a tool is called, and providers are registered as lazy references.
"""

from __future__ import annotations

from hermes_core import Tool, Toolset, hookimpl

__version__ = "0.1.0"

_TOOLS = "hermes_tools_web.tools"  # handlers and argument models, imported when a tool is first used

WEB_EXTRACT = Tool(
    name="web_extract",
    description=(
        "Read web pages: fetch each URL and return its main content as markdown (with title and links); "
        "JSON and plain text are returned as such. Each URL gets its own result or error. Long pages are "
        "cut, and the result says so."
    ),
    handler=f"{_TOOLS}:web_extract",
    parameters=f"{_TOOLS}:WebExtractArgs",
    toolset="web",
    requires_packages=("httpx",),
    timeout=120,
)

WEB_SEARCH = Tool(
    name="web_search",
    description="Search the web; returns a list of results, each with title, url and description.",
    handler=f"{_TOOLS}:web_search",
    parameters=f"{_TOOLS}:WebSearchArgs",
    toolset="web",
    check_requirements=f"{_TOOLS}:search_unavailable_reason",
    timeout=60,
)


@hookimpl
def register_tools(register):
    register(WEB_EXTRACT)
    register(WEB_SEARCH)


@hookimpl
def register_toolsets(register):
    register(Toolset(name="web", tools=("web_search", "web_extract"), description="Search and read the web."))
    register(Toolset(name="search", tools=("web_search",), description="Web search only."))


@hookimpl
def register_hookspecs(register):
    from hermes_tools_web import hookspecs

    register(hookspecs)  # declares register_web_search_providers: the core knows nothing of web search


@hookimpl
def register_web_search_providers(register):
    register("hermes_tools_web.providers:FirecrawlProvider", name="firecrawl", description="Firecrawl API")
    register("hermes_tools_web.providers:SearxngProvider", name="searxng", description="SearXNG JSON API")
    register("hermes_tools_web.providers:DdgsProvider", name="ddgs", description="keyless, via ddgs")
