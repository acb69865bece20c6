"""The reference truncation policy and a long conversation to truncate, for tests and benchmarks.

:func:`reference_truncate` is hermes-agent's algorithm (re-estimate the whole conversation after every
change: quadratic); ``hermes_agent_loop.truncation.truncate_messages`` must make the same decisions in
linear time. The agent loop's tests and ``benchmarks/agent_loop.py`` both compare against it, so it lives
in the kit rather than in either of them.
"""

from __future__ import annotations

import json
from typing import Any

from hermes_agent_loop.truncation import KEEP_LAST, SHORTEN_TO, _bounds, estimate_tokens, shorten

__all__ = ["make_conversation", "reference_truncate"]


def reference_truncate(
    messages: list[dict[str, Any]],
    max_tokens: int,
    *,
    keep_last: int = KEEP_LAST,
    tokenizer: Any = None,
    shorten_to: int = SHORTEN_TO,
) -> list[dict[str, Any]]:
    """The reference policy as hermes-agent implements it: after every shortening or drop, estimate
    the whole conversation again. Same decisions as ``truncate_messages``; O(n) work per change."""
    msgs = list(messages)

    def total() -> int:
        return sum(estimate_tokens(m, tokenizer) for m in msgs)

    def shorten_one(start: int, stop: int) -> bool:
        for i in range(start, stop):
            if msgs[i].get("role") == "tool":
                short = shorten(msgs[i], shorten_to)
                if short is not None:
                    msgs[i] = short
                    return True
        return False

    while total() > max_tokens:  # 1. shorten long middle tool results, one at a time
        head_end, tail_start = _bounds(msgs, keep_last)
        if not shorten_one(head_end, tail_start):
            break
    while total() > max_tokens:  # 2. drop the oldest middle message with the results answering it
        head_end, tail_start = _bounds(msgs, keep_last)
        if head_end >= tail_start:
            break
        j = head_end + 1
        if msgs[head_end].get("role") == "assistant" and msgs[head_end].get("tool_calls"):
            while j < tail_start and msgs[j].get("role") == "tool":
                j += 1
        del msgs[head_end:j]
    while total() > max_tokens:  # 3. last resort: long tool results in the tail
        _, tail_start = _bounds(msgs, keep_last)
        if not shorten_one(tail_start, len(msgs)):
            break
    return msgs


def make_conversation(n: int) -> list[dict[str, Any]]:
    """A system prompt, a task, then assistant tool calls and their results (every 25th result long)."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a careful agent. " * 20},
        {"role": "user", "content": "Fix the failing test in the repository. " * 5},
    ]
    i = 0
    while len(messages) < n:
        call_id = f"call_{i}"
        messages.append(
            {
                "role": "assistant",
                "content": f"Step {i}: looking at file {i}.",
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {
                            "name": "terminal",
                            "arguments": json.dumps({"command": f"cat f{i}.py"}),
                        },
                    }
                ],
            }
        )
        size = 6000 if i % 25 == 0 else 300 + (i * 37) % 500
        messages.append(
            {"role": "tool", "tool_call_id": call_id, "content": json.dumps({"output": "y" * size})}
        )
        i += 1
    return messages[:n]
