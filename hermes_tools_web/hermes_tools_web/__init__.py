"""hermes-tools-web: the ``web_extract`` and ``web_search`` tools, the ``web`` and ``search`` toolsets,
and the first-party search providers (Firecrawl, SearXNG, ddgs).

This module is the plugin (entry point group ``hermes``). It stays light: no httpx, trafilatura or SDK is
imported until a tool is called, and providers are registered as lazy references.
"""

from __future__ import annotations

from hermes_core import Tool, Toolset, hookimpl
from hermes_core.settings import Setting, positive

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


SETTINGS = (
    Setting("web.timeout", float, env="HERMES_WEB_TIMEOUT", default=20.0, check=positive,
            help="Seconds for one URL, everything included (DNS, redirects, the body)."),
    Setting("web.max_bytes", int, env="HERMES_WEB_MAX_BYTES", default=2 * 1024 * 1024, minimum=1,
            help="Stop reading a page past this many bytes (the page is reported as cut)."),
    Setting("web.max_redirects", int, env="HERMES_WEB_MAX_REDIRECTS", default=5, minimum=0,
            help="Redirects followed per URL."),
    Setting("web.max_concurrency", int, env="HERMES_WEB_MAX_CONCURRENCY", default=5, minimum=1,
            help="URLs fetched at once by one web_extract call."),
    Setting("web.max_chars", int, env="HERMES_WEB_MAX_CHARS", default=30_000, minimum=1000,
            help="Characters of content returned per page."),
)  # fmt: skip


@hookimpl
def register_settings(register):
    for setting in SETTINGS:
        register(setting)
