"""Where the calls of a completion begin, so that a call a stream has sent is never taken back.

A model may quote the call syntax while reasoning. When ``<think>`` sits in the prompt, the completion
only carries ``</think>``: a call written before it may be reasoning. But a stream cannot wait for a
``</think>`` that may never come, and vLLM 0.34's engines end the reasoning at a tool call: so a call
whose name was complete before any ``</think>`` came is a call, and a later ``</think>`` does not take
it back. A block quoted inside an explicit ``<think>...</think>`` is reasoning. (The GLM plugin holds the
same rule for its own tags; the lead may move it to the core.)
"""

from __future__ import annotations

from collections.abc import Callable

from hermes_core.parsing_scan import NextFinder

THINK = "<think>"
THINK_END = "</think>"


def calls_start(text: str, marker: str, began: Callable[[str, int, int], bool], fallback: bool = True) -> int:
    """The first ``marker`` outside an explicit ``<think>`` block for which ``began(text, at, stop)``
    (its call's name is complete before ``stop``: the next ``</think>``), or with no ``</think>`` after
    it; else the first ``marker`` (as before: calls quoted in reasoning count when none follows it), or
    -1 when not ``fallback`` (a stream's view: a later call would void those); -1 without one."""
    first = text.find(marker)
    if first < 0 or first > text.rfind(THINK_END):
        return first  # no ``</think>`` after it (the common case): one scan
    next_end, next_open = NextFinder(text, THINK_END), NextFinder(text, THINK)
    pos = first
    closed_until = 0  # explicit ``<think>`` blocks are skipped whole
    while pos >= 0:
        opened = next_open(closed_until)
        if 0 <= opened < pos:
            think_end = next_end(opened)
            if think_end < 0:
                break  # inside reasoning that has not ended
            closed_until = think_end + len(THINK_END)
            if pos < closed_until:
                pos = text.find(marker, closed_until)
            continue
        think_end = next_end(pos)
        if think_end < 0 or began(text, pos, think_end):
            return pos
        pos = text.find(marker, pos + len(marker))
    return first if fallback else -1
