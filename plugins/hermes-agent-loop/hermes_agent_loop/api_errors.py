"""Classifying API failures: which are worth a retry, and the one line that reports them."""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["TRANSIENT_STATUS", "describe_error", "is_refused", "is_transient", "retry_after"]

TRANSIENT_STATUS = frozenset({408, 409, 425, 429})


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it was raised from, outermost first (the SDK wraps httpx wraps the socket error)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 16:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def is_refused(exc: BaseException) -> bool:
    """Whether nothing listens at the endpoint (``ECONNREFUSED`` somewhere in the chain)."""
    return any(isinstance(cause, ConnectionRefusedError) for cause in _causes(exc))


def _unknown_host(exc: BaseException) -> bool:
    """Whether DNS says the host does not exist (not a temporary ``EAI_AGAIN``)."""
    return any(isinstance(c, socket.gaierror) and c.errno == socket.EAI_NONAME for c in _causes(exc))


def is_transient(exc: BaseException) -> bool:
    """Rate limits, 5xx, timeouts and dropped connections are worth retrying; 400/401/404 are not.

    A refused connection (or a host DNS does not know) is not: nothing listens there, and a server
    that is starting (vLLM loads for minutes) will not be up within the loop's few seconds of backoff —
    so a wrong ``--base-url`` fails at once instead of after every retry.
    """
    status = status_of(exc)
    if status is not None:
        return status in TRANSIENT_STATUS or status >= 500
    if is_refused(exc) or _unknown_host(exc):
        return False
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    name = type(exc).__name__
    return "Timeout" in name or "Connect" in name or "RemoteProtocol" in name


NOT_FOUND_HINT = "no such endpoint or model; check --base-url (often ending in /v1) and --model"


def describe_error(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """One line for ``AgentResult.error``, secrets masked (a 401 body may echo the key it refused)."""
    from hermes_core.secrets import mask_secrets

    message = getattr(exc, "message", None) or str(exc) or repr(exc)
    status = status_of(exc)
    if status is None and any(word in type(exc).__name__ for word in ("Connect", "Timeout")):
        message = f"{message} ({_connection_detail(exc)})"
    elif status == 404:  # a base URL missing its /v1, or a model the server does not serve
        message = f"{message} ({_url_of(exc)}: {NOT_FOUND_HINT})"
    prefix = f"{type(exc).__name__}" + (f" ({status})" if status and str(status) not in message else "")
    line = mask_secrets(f"{prefix}: {message}".replace("\n", " "), extra=secrets)
    return line if len(line) <= 500 else line[:497] + "..."


def _connection_detail(exc: BaseException) -> str:
    """Where the connection went and why it failed: ``openai``'s own "Connection error." names neither."""
    url = _url_of(exc)
    if is_refused(exc):
        return f"{url}: connection refused, nothing listens there; check --base-url / OPENAI_BASE_URL"
    root = _causes(exc)[-1]
    reason = str(root) or type(root).__name__
    return url if root is exc or reason in str(exc) else f"{url}: {reason}"


def _url_of(exc: BaseException) -> str:
    try:
        return str(exc.request.url)  # type: ignore[attr-defined]  # httpx already hides a URL's password
    except Exception:
        return "the endpoint"


def retry_after(exc: BaseException) -> float | None:
    headers: Any = getattr(getattr(exc, "response", None), "headers", None)
    if not headers:
        return None
    try:
        return float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None
