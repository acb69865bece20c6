"""Web-search providers: the contract, the first-party ones, and how ``web_search`` picks one.

A provider is a class registered through the ``register_web_search_providers`` hook::

    class AcmeSearch(SearchProvider):
        name = "acme"
        requires_env = ("ACME_KEY",)
        def search(self, query, limit):   # sync or async
            return [{"title": ..., "url": ..., "description": ...}]

Choice: ``HERMES_WEB_SEARCH_PROVIDER=name`` picks one outright; otherwise the first configured provider by
``priority`` (Firecrawl, then SearXNG, then third parties at the default priority). Keyless providers
(``keyless = True``, e.g. ddgs) are used only when named explicitly: they scrape public search engines,
which is rate-limited and against some engines' terms, so a user should opt in rather than get it by
accident. SDKs are imported inside ``search``, so the plugin loads fast.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable
from typing import Any, ClassVar, TypedDict

PROVIDER_ENV = "HERMES_WEB_SEARCH_PROVIDER"


class SearchResult(TypedDict):
    title: str
    url: str
    description: str


class SearchError(Exception):
    """A provider failed; the message is shown to the model."""


class SearchProvider:
    """Base class (duck typing works too: ``name``, ``unavailable_reason()``, ``search()``)."""

    name: ClassVar[str] = ""
    priority: ClassVar[int] = 50
    """Lower is tried first when no provider is named."""
    keyless: ClassVar[bool] = False
    """Needs no account; only used when named in ``HERMES_WEB_SEARCH_PROVIDER``."""
    requires_env: ClassVar[tuple[str, ...]] = ()
    requires_packages: ClassVar[tuple[str, ...]] = ()
    setup_hint: ClassVar[str] = ""
    """How to enable it, shown when no provider is available (e.g. ``set SEARXNG_URL``)."""

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """``None`` when this provider can be used here, else why not."""
        missing = [key for key in cls.requires_env if not os.environ.get(key)]
        if missing:
            return "missing environment variable " + ", ".join(missing)
        for package in cls.requires_packages:
            if not _importable(package):
                return f"missing Python package {package!r} (pip install 'hermes-tools-web[{cls.name}]')"
        return None

    @classmethod
    def hint(cls) -> str:
        """``setup_hint``, plus the install command while a required package is missing."""
        hint = cls.setup_hint or f"configure {cls.name}"
        if any(not _importable(p) for p in cls.requires_packages):
            hint += f" (pip install 'hermes-tools-web[{cls.name}]')"
        return hint

    @classmethod
    def available(cls) -> bool:
        return cls.unavailable_reason() is None

    def search(self, query: str, limit: int) -> list[SearchResult] | Awaitable[list[SearchResult]]:
        raise NotImplementedError


def _importable(package: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def normalise(items: Any, limit: int) -> list[SearchResult]:
    """Whatever a provider returned, as at most ``limit`` ``{title, url, description}`` dicts."""
    results: list[SearchResult] = []
    for item in items or ():
        get = item.get if isinstance(item, dict) else lambda key, _item=item: getattr(_item, key, None)
        url = get("url") or get("href") or get("link")
        if not url:
            continue
        description = get("description") or get("snippet") or get("content") or get("body") or ""
        results.append(
            {"title": str(get("title") or url), "url": str(url), "description": str(description).strip()}
        )
        if len(results) >= limit:
            break
    return results


class FirecrawlProvider(SearchProvider):
    """Firecrawl search API (hosted, or self-hosted through FIRECRAWL_API_URL)."""

    name = "firecrawl"
    priority = 10
    requires_env = ("FIRECRAWL_API_KEY",)
    requires_packages = ("firecrawl",)
    setup_hint = "set FIRECRAWL_API_KEY"

    def search(self, query: str, limit: int) -> list[SearchResult]:
        from firecrawl import Firecrawl

        kwargs: dict[str, Any] = {"api_key": os.environ["FIRECRAWL_API_KEY"]}
        if os.environ.get("FIRECRAWL_API_URL"):
            kwargs["api_url"] = os.environ["FIRECRAWL_API_URL"]
        client = Firecrawl(**kwargs, max_retries=1)
        data = client.search(query, limit=limit)
        items = []
        for item in getattr(data, "web", None) or []:
            metadata = getattr(item, "metadata", None)  # a scraped Document rather than a plain hit
            if metadata is not None and not getattr(item, "url", None):
                item = {
                    "title": getattr(metadata, "title", None),
                    "url": getattr(metadata, "url", None) or getattr(metadata, "source_url", None),
                    "description": getattr(metadata, "description", None),
                }
            items.append(item)
        return normalise(items, limit)


class SearxngProvider(SearchProvider):
    """A SearXNG instance's JSON API (``/search?format=json``); self-hosted, no key."""

    name = "searxng"
    priority = 20
    requires_env = ("SEARXNG_URL",)
    setup_hint = "set SEARXNG_URL to a SearXNG instance with the json format enabled"

    async def search(self, query: str, limit: int) -> list[SearchResult]:
        import httpx

        base = os.environ["SEARXNG_URL"].rstrip("/")
        endpoint = base if base.endswith("/search") else base + "/search"
        # The instance is the operator's choice (often on localhost), not the model's: no address policy.
        async with httpx.AsyncClient(timeout=15, follow_redirects=True) as client:
            response = await client.get(endpoint, params={"q": query, "format": "json"})
        if response.status_code == 403:
            raise SearchError(
                f"SearXNG at {base} refused format=json; enable 'json' under search.formats in settings.yml"
            )
        if not response.is_success:
            raise SearchError(f"SearXNG at {base} answered HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise SearchError(f"SearXNG at {base} did not answer JSON") from None
        return normalise(payload.get("results") if isinstance(payload, dict) else None, limit)


class DdgsProvider(SearchProvider):
    """Keyless metasearch through the ddgs library (scrapes public engines; opt in explicitly)."""

    name = "ddgs"
    priority = 90
    keyless = True
    requires_packages = ("ddgs",)
    setup_hint = f"{PROVIDER_ENV}=ddgs for keyless search"

    def search(self, query: str, limit: int) -> list[SearchResult]:
        from ddgs import DDGS
        from ddgs.exceptions import DDGSException

        try:
            hits = DDGS(timeout=10).text(query, max_results=limit)
        except DDGSException as exc:  # offline, rate limited, or every engine failed
            raise SearchError(f"ddgs search failed: {exc}") from None
        return normalise(hits, limit)


def choose(registry: Any) -> tuple[Any | None, str | None]:
    """``(provider_class, None)`` or ``(None, why no provider can be used)`` for a provider registry."""
    wanted = os.environ.get(PROVIDER_ENV, "").strip().lower()
    if wanted:
        if wanted not in registry:
            installed = ", ".join(registry.names()) or "none"
            return (
                None,
                f"{PROVIDER_ENV}={wanted} is not an installed search provider; installed: {installed}",
            )
        try:
            provider = registry.get(wanted)
        except Exception as exc:
            return None, f"search provider {wanted!r} failed to load: {type(exc).__name__}: {exc}"
        why = provider.unavailable_reason()
        return (None, f"search provider {wanted!r} is not usable: {why}") if why else (provider, None)

    candidates = []
    hints = []
    for entry in registry.entries():
        try:
            provider = entry.load()
        except Exception:
            continue
        if getattr(provider, "keyless", False):
            hints.append((getattr(provider, "priority", 50), _hint(provider)))
            continue
        candidates.append((getattr(provider, "priority", 50), entry.name, provider))
    for priority, _name, provider in sorted(candidates, key=lambda c: c[:2]):
        if provider.unavailable_reason() is None:
            return provider, None
        hints.append((priority, _hint(provider)))
    options = "; or ".join(hint for _, hint in sorted(hints, key=lambda h: h[0]) if hint)
    return None, "no web search provider is configured" + (f": {options}" if options else "")


def _hint(provider: Any) -> str:
    if hasattr(provider, "hint"):
        return provider.hint()
    return getattr(provider, "setup_hint", "") or f"configure {provider.name}"
