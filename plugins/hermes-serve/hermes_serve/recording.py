"""Rollout recording: every exchange of a session as one JSON line, readable back as a trajectory.

``DIR/<session>.jsonl`` gets one object per request: ``session``, ``time``, ``model``, ``messages`` and
``tools`` as the agent sent them, ``raw`` (the completion text the model wrote), ``parsed`` (content and
tool calls the parser made of it; ``native_tool_calls`` when the upstream parsed them itself),
``finish_reason``; in completions mode also the phase-2 sequence so far: ``tokens``, ``masks`` (-100
where the model did not generate) and ``logprobs`` (1.0 there), as :mod:`hermes_envs.managed` builds
them. :func:`load_rollouts` turns a directory back into one :class:`RecordedRollout` per session, which
an RL environment scores into a group.

The session is the ``X-Session-Id`` header, else the request's ``user`` field, else ``default``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SESSION_HEADER = "x-session-id"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def session_of(headers: Any, request: dict[str, Any]) -> str:
    session = headers.get(SESSION_HEADER) or request.get("user") or "default"
    return str(session)[:256]


def file_name(session: str) -> str:
    """A file name for any session id: safe characters kept, a hash added when any were replaced."""
    safe = _UNSAFE.sub("_", session)[:96].lstrip(".") or "_"
    if safe != session:
        safe += "-" + hashlib.sha256(session.encode()).hexdigest()[:12]
    return safe + ".jsonl"


class Recorder:
    """Appends exchanges to per-session JSONL files; the writes run off the event loop."""

    def __init__(self, directory: Path, redact: Callable[[str], str] = str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.redact = redact  # keys the agent or the model wrote never reach the file
        self._lock = threading.Lock()

    async def record(self, session: str, exchange: dict[str, Any]) -> None:
        line = json.dumps({"session": session, "time": time.time(), **exchange}, ensure_ascii=False)
        line = await asyncio.to_thread(self.redact, line)
        await asyncio.to_thread(self._append, self.directory / file_name(session), line)

    def _append(self, path: Path, line: str) -> None:
        with self._lock, path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


@dataclass
class RecordedRollout:
    """One session's conversation as the agent finally saw it, with the phase-2 tokens when recorded."""

    session: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    masks: list[int] = field(default_factory=list)
    logprobs: list[float] | None = None
    exchanges: int = 0


def assistant_message(exchange: dict[str, Any]) -> dict[str, Any]:
    """The assistant turn the agent received for a recorded exchange (first choice)."""
    if exchange.get("native_tool_calls"):
        return {
            "role": "assistant",
            "content": exchange.get("raw"),
            "tool_calls": exchange["native_tool_calls"],
        }
    parsed = exchange.get("parsed") or {}
    message: dict[str, Any] = {"role": "assistant", "content": parsed.get("content", exchange.get("raw"))}
    if parsed.get("tool_calls"):
        message["tool_calls"] = parsed["tool_calls"]
    return message


def read_session(path: Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_rollouts(directory: str | Path) -> list[RecordedRollout]:
    """One rollout per session file: the last exchange's messages plus the answer it got, and its tokens."""
    rollouts = []
    for path in sorted(Path(directory).glob("*.jsonl")):
        exchanges = read_session(path)
        if not exchanges:
            continue
        last = exchanges[-1]
        rollouts.append(
            RecordedRollout(
                session=last.get("session") or path.stem,
                messages=[*last.get("messages", []), assistant_message(last)],
                tools=last.get("tools") or [],
                tokens=list(last.get("tokens") or []),
                masks=list(last.get("masks") or []),
                logprobs=last.get("logprobs"),
                exchanges=len(exchanges),
            )
        )
    return rollouts
