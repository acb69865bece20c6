"""The ``web_extract`` and ``web_search`` tools: argument models, handlers, and their glue.

Handlers are async (the core's dispatch awaits them) and import httpx, trafilatura and provider SDKs
only when called, so loading the plugin stays cheap.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from pydantic import BaseModel, Field

MAX_URLS = 10


class WebExtractArgs(BaseModel):
    urls: list[str] = Field(
        min_length=1,
        max_length=MAX_URLS,
        description=f"http(s) URLs to read, at most {MAX_URLS}; fetched concurrently.",
    )


class WebSearchArgs(BaseModel):
    query: str = Field(min_length=1, description="What to search the web for.")
    limit: int = Field(default=5, ge=1, le=20, description="How many results to return.")


def _max_chars() -> int:
    from hermes_core.config import resolve

    return resolve("web.max_chars") or 30_000


async def extract_urls(
    urls: list[str], settings=None, policy=None, max_chars: int | None = None
) -> list[dict]:
    """Fetch and convert ``urls``; one result per URL, errors included, never an exception."""
    from hermes_tools_web.extraction import extract_page
    from hermes_tools_web.fetching import fetch_many

    limit = max_chars or _max_chars()
    fetched = await fetch_many(urls, settings=settings, policy=policy)

    async def convert(url: str, item) -> dict[str, Any]:
        if isinstance(item, str):
            return {"url": url, "error": item}
        try:  # HTML extraction is CPU work: keep the event loop free for the other fetches
            return await asyncio.to_thread(extract_page, item, limit)
        except Exception as exc:
            return {"url": url, "error": f"could not extract content: {type(exc).__name__}: {exc}"}

    return list(await asyncio.gather(*(convert(u, r) for u, r in zip(urls, fetched, strict=True))))


async def web_extract(args: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
    return {"results": await extract_urls(list(args["urls"]))}


def _provider_registry():
    from hermes_core.plugins import get_hermes

    return get_hermes().registry("web_search_providers")


def search_unavailable_reason() -> str | None:
    from hermes_tools_web.providers import choose

    return choose(_provider_registry())[1]


async def web_search(args: dict[str, Any], task_id: str | None = None) -> dict[str, Any]:
    from hermes_tools_web.providers import SearchError, choose, normalise

    provider_class, why = choose(_provider_registry())
    if provider_class is None:
        return {"error": why}
    query, limit = args["query"], args["limit"]
    provider = provider_class()
    try:
        if inspect.iscoroutinefunction(provider.search):
            hits = await provider.search(query, limit)
        else:  # SDKs (firecrawl, ddgs) are blocking
            hits = await asyncio.to_thread(provider.search, query, limit)
            if inspect.isawaitable(hits):
                hits = await hits
    except SearchError as exc:
        return {"error": str(exc), "provider": provider_class.name}
    except Exception as exc:
        return {"error": f"{provider_class.name} search failed: {type(exc).__name__}: {exc}"}
    return {"query": query, "provider": provider_class.name, "results": normalise(hits, limit)}
