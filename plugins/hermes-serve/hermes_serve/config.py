"""What one ``hermes serve`` process is configured with, checked once before anything binds."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from hermes_core.registry import HermesError

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
"""Long agent conversations with tool output run to megabytes; anything past this is refused (413)."""
DEFAULT_MAX_UPSTREAM_BYTES = 32 * 1024 * 1024
"""A whole upstream answer (streamed or not); past it the client gets 502 (a 32k-token stream is ~8 MB)."""


@dataclass(frozen=True)
class ServeConfig:
    upstream: str
    """The upstream's OpenAI base URL, ``http://127.0.0.1:8000/v1``."""
    parser: str = "auto"
    host: str = "127.0.0.1"
    port: int = 8080
    api_key: str | None = None
    """Clients must send ``Authorization: Bearer KEY`` when set (required off loopback)."""
    upstream_api_key: str | None = None
    record_dir: Path | None = None
    reasoning_parser: str | None = None
    """A registered reasoning parser (vLLM's ``--reasoning-parser`` names): answers get
    ``reasoning_content``, and tool calls are read from the content only."""
    upstream_mode: str = "chat"
    """``chat``: forward to ``/chat/completions``; ``completions``: render the template here and call
    ``/completions`` with logprobs (exact token ids for RL)."""
    tokenizer: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    upstream_timeout: float = 600.0
    """Seconds to connect and between two bytes of the upstream's answer (504 past it)."""
    default_max_tokens: int = 4096
    """Completions mode, when the request names none: vLLM's ``/completions`` would stop at 16 tokens."""
    max_sessions: int = 256
    """Completions mode keeps each session's token sequence; past this the least recently used go."""
    session_idle_s: float = 900.0
    """Completions mode forgets a session unused this long."""
    max_prompt_bytes: int = 4 * 1024 * 1024
    """Completions mode: a request body past this is 413 (tokenizing takes ~100-250 bytes a character;
    4 MB is about a million tokens, past any context window)."""
    max_session_tokens: int = 4_000_000
    """Completions mode: token ids kept over all sessions (~100 bytes each with masks and logprobs);
    past it the least recently used sessions go."""
    max_concurrent: int = 512
    """Requests served at once; more get 429 (each may hold a body and an upstream answer in memory)."""
    max_upstream_bytes: int = DEFAULT_MAX_UPSTREAM_BYTES
    max_body_bytes_in_flight: int = 256 * 1024 * 1024
    """Request bodies held at once, all requests together, each from its first byte read to its
    request's last byte sent; past it 429 (so the concurrency cap times the body cap is not the bound)."""
    max_json_values: int = 1_000_000
    """JSON values (objects, arrays, numbers, strings) in one request body (413), upstream answer or
    stream event (502); tiny values cost ~20x their size once decoded, so the count is bounded too."""
    max_held_chars: int = 1024 * 1024
    """Text held back after a tool-call start marker that no call closes; past it, it goes out as content."""
    client_timeout: float = 60.0
    """Seconds a client may take to send a request's head or body, or stall reading a stream."""

    def __post_init__(self) -> None:
        if not self.upstream.startswith(("http://", "https://")):
            raise HermesError(f"--upstream must be an http(s) URL, got {self.upstream!r}")
        if self.upstream_mode not in ("chat", "completions"):
            raise HermesError(f"--upstream-mode is chat or completions, got {self.upstream_mode!r}")
        if self.upstream_mode == "completions" and self.reasoning_parser:
            raise HermesError("--reasoning-parser works with --upstream-mode chat only")
        if self.upstream_mode == "completions" and not self.tokenizer:
            raise HermesError("--upstream-mode completions needs --tokenizer PATH (a local tokenizer)")
        if self.upstream_mode == "completions" and not Path(self.tokenizer).exists():
            raise HermesError(
                f"--tokenizer {self.tokenizer}: no such directory (a local tokenizer is needed)"
            )
        if not is_loopback(self.host) and not self.api_key:
            raise HermesError(
                f"binding {self.host} exposes the model beyond this machine: give --api-key KEY "
                "(clients then send Authorization: Bearer KEY)"
            )
        positive = ("max_body_bytes", "max_body_bytes_in_flight", "max_upstream_bytes", "max_concurrent")
        for name in (*positive, "max_sessions"):
            if getattr(self, name) <= 0:
                raise HermesError(f"{name} must be positive, got {getattr(self, name)}")

    @property
    def upstream_base(self) -> str:
        return self.upstream.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
