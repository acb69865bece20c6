"""OpenAI-shaped errors, and what each upstream failure becomes.

Clients (the ``openai`` SDK first) read ``{"error": {"message", "type", "param", "code"}}`` and decide
on retries from the status, so a gateway failure must say 502/504 and not look like a bad request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import Response


class ProxyError(Exception):
    """A failure to answer with ``status``; ``type`` follows OpenAI's names."""

    def __init__(self, status: int, message: str, type: str = "upstream_error", code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code

    def payload(self, redact: Callable[[str], str] = str) -> dict[str, Any]:
        """The body; ``redact`` masks credentials in the message (it may quote the upstream's words)."""
        message = redact(self.message)
        return {"error": {"message": message, "type": self.type, "param": None, "code": self.code}}

    def response(self, redact: Callable[[str], str] = str) -> Response:
        return Response(json.dumps(self.payload(redact)), self.status, media_type="application/json")

    def sse(self, redact: Callable[[str], str] = str) -> bytes:
        """The error as a stream event, for failures after the stream's status line went out."""
        return b"data: " + json.dumps(self.payload(redact)).encode() + b"\n\n"


def from_transport(exc: Exception, upstream: str) -> ProxyError:
    """An ``httpx`` transport failure: timeouts are 504, everything else (refused, reset) 502."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return ProxyError(504, f"the upstream {upstream} did not answer in time", code="upstream_timeout")
    reason = str(exc) or type(exc).__name__
    return ProxyError(502, f"cannot reach the upstream {upstream}: {reason}", code="upstream_unreachable")


def from_status(status: int, body: bytes) -> ProxyError:
    """An upstream error answer: a 4xx is the client's request and keeps its status and message; a 5xx
    (or anything else) is the gateway's problem: 502, with the upstream's message kept."""
    message = body.decode("utf-8", "replace").strip()[:2000]
    try:
        decoded = json.loads(body)
        error = decoded.get("error") if isinstance(decoded, dict) else None
        if isinstance(error, dict) and error.get("message"):
            message = str(error["message"])
        elif isinstance(error, str):
            message = error
        elif isinstance(decoded, dict) and decoded.get("detail"):
            message = str(decoded["detail"])
    except ValueError:
        pass
    if 400 <= status < 500:
        return ProxyError(status, message or f"upstream answered {status}", type="invalid_request_error")
    return ProxyError(502, f"upstream answered {status}: {message}", code="upstream_error")


def malformed(what: str) -> ProxyError:
    return ProxyError(502, f"the upstream's answer is not valid JSON: {what}", code="upstream_malformed")
