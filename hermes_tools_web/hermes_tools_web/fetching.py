"""Fetching pages with httpx: bounded redirects, a byte cap, a deadline, and the address policy enforced
on the very connection that is opened.

How the policy is enforced: httpx's transport is given an httpcore connection pool whose network back end
(:class:`GuardedBackend`) resolves the host name itself, refuses the connection if any address is
forbidden, and then connects to the address it just checked. TLS still verifies (and sends SNI for) the
original host name, because httpcore passes that separately to ``start_tls``. So there is no window in
which DNS can answer "public" to the check and "private" to the connect (DNS rebinding). Redirects are
followed by hand, one request per hop, so every hop goes through the same guard and the scheme check.

Environment proxies are ignored on purpose (``trust_env=False``): through a proxy the proxy resolves the
name, and the policy could only ever see the proxy's own address.

This module imports httpx/httpcore at import time; the plugin imports it only inside the tool handler.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpcore
import httpx

from hermes_tools_web.safety import AddressPolicy, BlockedURL, check_url, resolve_and_check

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "Mozilla/5.0 (compatible; hermes-web/0.1; +tool-calling agent)"


def _setting(key: str, default: float) -> float:
    """A declared ``web.*`` setting (``HERMES_WEB_*``, config.yaml); a bad or negative value is a
    one-line :class:`~hermes_core.registry.HermesError`, never silently replaced by the default."""
    from hermes_core.config import resolve

    value = resolve(key)
    return default if value is None else value


@dataclass(frozen=True)
class FetchSettings:
    """Limits for one ``web_extract`` call; each a setting (``web.timeout``: ``HERMES_WEB_TIMEOUT``, ...)."""

    timeout: float = 20.0
    """Seconds for one URL, everything included: DNS, redirects, reading the body."""
    max_bytes: int = 2 * 1024 * 1024
    """Stop reading a body past this many (decoded) bytes; the page is reported as cut. Also bounds the
    extraction work: trafilatura needs about a second per MiB of HTML."""
    max_redirects: int = 5
    max_concurrency: int = 5

    @classmethod
    def from_env(cls) -> FetchSettings:
        return cls(
            timeout=_setting("web.timeout", cls.timeout),
            max_bytes=_setting("web.max_bytes", cls.max_bytes),
            max_redirects=_setting("web.max_redirects", cls.max_redirects),
            max_concurrency=_setting("web.max_concurrency", cls.max_concurrency),
        )


@dataclass
class FetchedPage:
    url: str
    final_url: str
    status: int
    reason: str
    media_type: str
    charset: str | None
    body: bytes
    declared_length: int | None
    cut_at_bytes: int | None = None
    """Set when reading stopped at the byte cap."""
    body_skipped: bool = False
    """True when the body was not read at all because the media type is binary."""
    redirects: list[str] = field(default_factory=list)


class FetchError(Exception):
    """A per-URL failure with a message fit for the model."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """A network back end that applies the :class:`AddressPolicy` to each connection and pins it."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = await resolve_and_check(host, port, self.policy)
        last_error: Exception | None = None
        for address in addresses:  # connect to exactly what was checked, never re-resolve
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise BlockedURL("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def make_client(policy: AddressPolicy, settings: FetchSettings) -> httpx.AsyncClient:
    """An ``AsyncClient`` whose every connection goes through :class:`GuardedBackend`."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx has no public hook for the network back end; replace the (unopened) pool it built. A test
    # proves the guard is in place, so an httpx release that renames ``_pool`` fails loudly, not open.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=settings.max_concurrency * 2,
        max_keepalive_connections=settings.max_concurrency,
        network_backend=GuardedBackend(policy),
    )
    return httpx.AsyncClient(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(settings.timeout),
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )


def is_binary_media_type(media_type: str) -> bool:
    """Types whose bodies are never text; unknown and ``application/octet-stream`` are sniffed instead."""
    major = media_type.partition("/")[0]
    if major in ("image", "audio", "video", "font", "model"):
        return True
    return media_type in (
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/wasm",
        "application/x-executable",
        "application/msword",
    ) or media_type.startswith(("application/vnd.openxmlformats", "application/vnd.ms-"))


async def fetch(client: httpx.AsyncClient, url: str, settings: FetchSettings) -> FetchedPage:
    """GET ``url``, following at most ``settings.max_redirects`` redirects, each re-checked."""
    current = url
    chain = [url]
    for _hop in range(settings.max_redirects + 1):
        check_url(current)
        response = await client.send(client.build_request("GET", current), stream=True)
        try:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                target = urljoin(str(response.url), location.strip())
                if target in chain:
                    raise FetchError("redirect loop: " + " -> ".join([*chain, target]))
                chain.append(target)
                current = target
                continue
            return await _read(response, url, chain, settings)
        finally:
            await response.aclose()
    raise FetchError(f"too many redirects (more than {settings.max_redirects}): " + " -> ".join(chain))


async def _read(response: httpx.Response, url: str, chain: list[str], settings: FetchSettings) -> FetchedPage:
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        declared = int(response.headers["content-length"])
    except (KeyError, ValueError):
        declared = None
    page = FetchedPage(
        url=url,
        final_url=str(response.url),
        status=response.status_code,
        reason=response.reason_phrase,
        media_type=media_type,
        charset=response.charset_encoding,
        body=b"",
        declared_length=declared,
        redirects=chain[1:],
    )
    if is_binary_media_type(media_type) or not response.is_success:
        page.body_skipped = True  # nothing to show from a picture or an error page; don't download it
        return page
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        if size + len(chunk) > settings.max_bytes:
            chunks.append(chunk[: settings.max_bytes - size])
            page.cut_at_bytes = settings.max_bytes
            break
        chunks.append(chunk)
        size += len(chunk)
    page.body = b"".join(chunks)
    return page


def describe_error(exc: BaseException, settings: FetchSettings) -> str:
    """One line for the model: why this URL could not be fetched."""
    cause: BaseException | None = exc
    while cause is not None:  # httpx wraps what the network back end raised
        if isinstance(cause, BlockedURL | FetchError):
            return str(cause)
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"timed out after {settings.timeout:g}s"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect: {exc}" if str(exc) else "could not connect"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: {exc}"


async def fetch_many(
    urls: list[str], settings: FetchSettings | None = None, policy: AddressPolicy | None = None
) -> list[FetchedPage | str]:
    """Fetch ``urls`` concurrently; each result is a page or an error message, in the order given."""
    settings = settings or FetchSettings.from_env()
    policy = policy or AddressPolicy.from_env()
    gate = asyncio.Semaphore(settings.max_concurrency)

    async with make_client(policy, settings) as client:

        async def one(url: str) -> FetchedPage | str:
            async with gate:
                try:
                    async with asyncio.timeout(settings.timeout):
                        return await fetch(client, url, settings)
                except Exception as exc:
                    return describe_error(exc, settings)

        return list(await asyncio.gather(*(one(u) for u in urls)))
