"""Tool-result budgets: a result too large for the model's context is saved whole in the task's sandbox.

hermes-agent lets one result take 100k characters and one turn's results 200k. Silently cutting a result
leaves the model guessing what it lost; here the full text goes into the sandbox (where the model's own
tools can read it) and the model gets the head, the tail and the path. With a small context the budgets
shrink with it: a quarter of the context for one result, half for one turn (4 characters per token).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["SPILL_DIR", "ResultBudget", "over_turn_budget", "spill", "turn_share"]

log = logging.getLogger("hermes.agent")

PER_RESULT_CHARS = 100_000
PER_TURN_CHARS = 200_000
MIN_RESULT_CHARS = 2_000
CHARS_PER_TOKEN = 4
HEAD_CHARS = 3_000
TAIL_CHARS = 1_000
SUMMARY_CHARS = 500
"""About what a spilled result costs beside its head and tail (keys, path and note)."""
PREVIEW_CHARS = HEAD_CHARS + TAIL_CHARS + SUMMARY_CHARS
"""About what a spilled result still costs at most (head, tail, path and note)."""
SPILL_DIR = ".hermes/tool-results"
"""Where spilled results go, under the sandbox's working directory (removed with the sandbox)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True, slots=True)
class ResultBudget:
    """Characters one tool result and all results of one assistant turn may put in the conversation."""

    per_result: int = PER_RESULT_CHARS
    per_turn: int = PER_TURN_CHARS

    @classmethod
    def for_context(cls, max_context_tokens: int | None) -> ResultBudget:
        """hermes-agent's budgets, scaled down for a context that cannot hold them."""
        if not max_context_tokens:
            return cls()
        chars = max_context_tokens * CHARS_PER_TOKEN
        per_result = max(MIN_RESULT_CHARS, min(PER_RESULT_CHARS, chars // 4))
        return cls(per_result=per_result, per_turn=max(per_result, min(PER_TURN_CHARS, chars // 2)))


def _preview_sizes(budget: int) -> tuple[int, int]:
    head, tail = min(HEAD_CHARS, budget * 3 // 5), min(TAIL_CHARS, budget // 5)
    return head, tail


def _save(task_id: str | None, call_id: str, text: str) -> str:
    """Write ``text`` into the task's sandbox; its path there. Blocking: run it in a thread."""
    from hermes_core.sandbox_files import write_bytes
    from hermes_core.sandboxes import sandbox_for

    sandbox = sandbox_for(task_id)
    base = (getattr(sandbox, "cwd", None) or ".").rstrip("/") or "/"
    path = f"{base}/{SPILL_DIR}/{_UNSAFE.sub('_', call_id) or 'result'}.txt"
    write_bytes(sandbox, path, text.encode("utf-8", errors="backslashreplace"))
    return path


async def spill(task_id: str | None, call_id: str, tool_name: str, text: str, budget: int) -> str:
    """The JSON result the model sees instead of ``text``: head, tail, and where the whole is.

    When no sandbox can take the file (no backend installed, a broken one), the model is told that too,
    so it never mistakes the preview for the whole.
    """
    import asyncio

    head, tail = _preview_sizes(budget)
    summary: dict[str, Any] = {
        "truncated": True,
        "total_chars": len(text),
        "head": text[:head],
        "tail": text[-tail:] if tail else "",
    }
    try:
        path = await asyncio.to_thread(_save, task_id, call_id, text)
    except Exception as exc:  # the preview still goes to the model; the loss is stated
        log.warning("could not save the %d-character result of %s: %s", len(text), tool_name, exc)
        summary["note"] = (
            f"the {tool_name} result was {len(text)} characters, over the {budget}-character budget; "
            f"only its head and tail are shown (saving it failed: {type(exc).__name__}: {exc})"
        )
        return json.dumps(summary, ensure_ascii=False)
    summary["saved_to"] = path
    summary["note"] = (
        f"the {tool_name} result was {len(text)} characters, over the {budget}-character budget; "
        f"the whole result is in {path} in your sandbox: read parts of it with your tools"
    )
    return json.dumps(summary, ensure_ascii=False)


def turn_share(per_turn: int, results: int) -> int:
    """What each spilled result of a turn over its budget may still show."""
    return max(1, per_turn // max(1, results))


def spilled_size(budget: int) -> int:
    """About what a result spilled with ``budget`` still costs: head, tail, path and note."""
    head, tail = _preview_sizes(budget)
    return head + tail + SUMMARY_CHARS


def over_turn_budget(sizes: list[int], per_turn: int) -> list[int]:
    """Indices of the results to spill, largest first, until the turn's total fits ``per_turn``.

    Only a result larger than its spilled form is spilled: 5,000 short errors over the budget stay as
    they are (spilling each would make it bigger and write a file for nothing).
    """
    floor = spilled_size(turn_share(per_turn, len(sizes)))
    total = sum(sizes)
    chosen: list[int] = []
    for index in sorted(range(len(sizes)), key=lambda i: sizes[i], reverse=True):
        if total <= per_turn or sizes[index] <= floor:
            break
        chosen.append(index)
        total -= sizes[index] - floor
    return chosen
