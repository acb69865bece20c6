"""What one ``hermes serve`` process is configured with, checked once before anything binds."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from hermes_core.registry import HermesError

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
"""Long agent conversations with tool output run to megabytes; anything past this is refused (413)."""


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
    upstream_mode: str = "chat"
    """``chat``: forward to ``/chat/completions``; ``completions``: render the template here and call
    ``/completions`` with logprobs (exact token ids for RL)."""
    tokenizer: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    upstream_timeout: float = 600.0
    """Seconds to connect and between two bytes of the upstream's answer (504 past it)."""
    default_max_tokens: int = 4096
    """Completions mode, when the request names none: vLLM's ``/completions`` would stop at 16 tokens."""
    max_sessions: int = 4096
    """Completions mode keeps each session's token sequence; the least recently used go first."""

    def __post_init__(self) -> None:
        if not self.upstream.startswith(("http://", "https://")):
            raise HermesError(f"--upstream must be an http(s) URL, got {self.upstream!r}")
        if self.upstream_mode not in ("chat", "completions"):
            raise HermesError(f"--upstream-mode is chat or completions, got {self.upstream_mode!r}")
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
        if self.max_body_bytes <= 0:
            raise HermesError("the request body limit must be positive")

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
