"""Classifying API failures: which are worth a retry, and the one line that reports them."""

from __future__ import annotations

from typing import Any

__all__ = ["TRANSIENT_STATUS", "describe_error", "is_transient", "retry_after"]

TRANSIENT_STATUS = frozenset({408, 409, 425, 429})


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def is_transient(exc: BaseException) -> bool:
    """Rate limits, 5xx, timeouts and dropped connections are worth retrying; 400/401/404 are not."""
    status = status_of(exc)
    if status is not None:
        return status in TRANSIENT_STATUS or status >= 500
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    name = type(exc).__name__
    return "Timeout" in name or "Connect" in name or "RemoteProtocol" in name


def describe_error(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """One line for ``AgentResult.error``, secrets masked (a 401 body may echo the key it refused)."""
    from hermes_core.secrets import mask_secrets

    message = getattr(exc, "message", None) or str(exc) or repr(exc)
    status = status_of(exc)
    prefix = f"{type(exc).__name__}" + (f" ({status})" if status and str(status) not in message else "")
    line = mask_secrets(f"{prefix}: {message}".replace("\n", " "), extra=secrets)
    return line if len(line) <= 500 else line[:497] + "..."


def retry_after(exc: BaseException) -> float | None:
    headers: Any = getattr(getattr(exc, "response", None), "headers", None)
    if not headers:
        return None
    try:
        return float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None
