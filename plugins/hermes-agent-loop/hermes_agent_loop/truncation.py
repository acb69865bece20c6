"""Context truncation on a copy, linear in the number of messages.

What is sent to the model must fit ``max_context_tokens``; what is kept (``AgentResult.messages``) is the
whole trajectory. The policy is hermes-agent's: keep the leading system messages and the first user
message (the task) and the last six messages (the work in hand); shorten long tool results in the middle
first; then drop the oldest middle messages together with the tool results that answer them, so no tool
message is ever left without the assistant call it answers. As a last resort long tool results in the
tail are shortened too (a 1 MB ``cat`` that just came back would otherwise never fit).

The reference algorithm re-estimates the whole conversation after every change, which is quadratic: at
10k messages that is seconds per model call. Here each message is estimated once and the total is
updated incrementally, so one call is O(n) (``benchmarks/agent_loop.py`` measures both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "KEEP_LAST",
    "MESSAGE_OVERHEAD",
    "SHORTEN_TO",
    "estimate_tokens",
    "message_text",
    "shorten",
    "truncate_messages",
]

KEEP_LAST = 6
MESSAGE_OVERHEAD = 4
"""Tokens a chat template adds per message (role markers), as hermes-agent's rough estimate assumes."""
SHORTEN_TO = 1000
"""Characters a long tool result keeps when shortened (head and tail around a marker)."""


def message_text(message: dict[str, Any]) -> str:
    """The text of a message that costs context: content (parts joined) and tool-call names/arguments."""
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    text = content if isinstance(content, str) else ("" if content is None else str(content))
    calls = message.get("tool_calls")
    if calls:
        parts = [text]
        for call in calls:
            function = (call.get("function") if isinstance(call, dict) else None) or {}
            parts.append(str(function.get("name") or ""))
            arguments = function.get("arguments")
            parts.append(arguments if isinstance(arguments, str) else str(arguments or ""))
        text = "".join(parts)
    return text


def estimate_tokens(message: dict[str, Any], tokenizer: Any = None) -> int:
    """hermes-agent's rough estimate (chars / 4 + per-message overhead), or exact with a tokenizer."""
    text = message_text(message)
    if tokenizer is not None:
        return len(tokenizer.encode(text)) + MESSAGE_OVERHEAD
    return len(text) // 4 + MESSAGE_OVERHEAD


def shorten(message: dict[str, Any], limit: int = SHORTEN_TO) -> dict[str, Any] | None:
    """A copy of ``message`` with its content cut to about ``limit`` characters, or ``None`` if short."""
    content = message.get("content")
    if not isinstance(content, str) or len(content) <= limit + 100:
        return None
    head, tail = (limit * 7) // 10, limit - (limit * 7) // 10
    cut = len(content) - head - tail
    marker = f"\n...[{cut} characters cut to fit the context]...\n"
    return {**message, "content": f"{content[:head]}{marker}{content[-tail:]}"}


def _bounds(messages: Sequence[dict[str, Any]], keep_last: int) -> tuple[int, int]:
    """``(head_end, tail_start)``: head = leading system messages + first user message; tail = last
    ``keep_last`` messages, extended back so that it never starts with a tool result."""
    n = len(messages)
    head_end = 0
    while head_end < n and messages[head_end].get("role") == "system":
        head_end += 1
    if head_end < n and messages[head_end].get("role") == "user":
        head_end += 1
    tail_start = max(head_end, n - keep_last)
    while tail_start > head_end and messages[tail_start].get("role") == "tool":
        tail_start -= 1
    return head_end, tail_start


def truncate_messages(
    messages: Sequence[dict[str, Any]],
    max_tokens: int,
    *,
    keep_last: int = KEEP_LAST,
    tokenizer: Any = None,
    token_counts: Sequence[int] | None = None,
    shorten_to: int = SHORTEN_TO,
) -> list[dict[str, Any]]:
    """The messages to send so that their estimate fits ``max_tokens``; ``messages`` is never modified.

    ``token_counts`` (one per message) lets a caller that keeps them incrementally skip re-estimating.
    Returns a new list; unchanged messages are the same dict objects, shortened ones are copies.
    """
    n = len(messages)
    counts = (
        list(token_counts) if token_counts is not None else [estimate_tokens(m, tokenizer) for m in messages]
    )
    total = sum(counts)
    if total <= max_tokens:
        return list(messages)
    out = list(messages)
    head_end, tail_start = _bounds(messages, keep_last)

    def shorten_range(start: int, stop: int) -> bool:
        nonlocal total
        for i in range(start, stop):
            if out[i].get("role") != "tool":
                continue
            short = shorten(out[i], shorten_to)
            if short is None:
                continue
            new = estimate_tokens(short, tokenizer)
            total -= counts[i] - new
            counts[i], out[i] = new, short
            if total <= max_tokens:
                return True
        return False

    # 1. shorten long tool results in the middle, oldest first
    if shorten_range(head_end, tail_start):
        return out
    # 2. drop the oldest middle units: an assistant turn with the tool results that answer it
    keep = [True] * n
    i = head_end
    while i < tail_start and total > max_tokens:
        j = i + 1
        if out[i].get("role") == "assistant" and out[i].get("tool_calls"):
            while j < tail_start and out[j].get("role") == "tool":
                j += 1
        for k in range(i, j):
            keep[k] = False
            total -= counts[k]
        i = j
    # 3. last resort: shorten long tool results in the tail
    if total > max_tokens:
        shorten_range(tail_start, n)
    return [m for m, k in zip(out, keep, strict=True) if k]
