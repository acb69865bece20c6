"""Where a completion's calls begin when it may hold reasoning: the streaming-safe version of
:func:`hermes_core.parsing_tags.first_marker`.

``first_marker`` takes the first marker after the last ``</think>``: right for a finished text, wrong for a
stream, which may have sent a call before a later ``</think>`` turned it into "reasoning". The rule here is
the one :meth:`hermes_core.parsing_tags.TaggedJsonParser.calls_start` follows: a marker inside an open
``<think>`` block is reasoning; any other marker counts when no ``</think>`` follows it or when a call has
begun at it (``begins_call``), so a call that may have been streamed is never taken back.
(The same module is in the DeepSeek and Kimi plugins, which must install alone: a candidate for
``hermes_core.parsing_tags``.)
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

THINK_OPEN, THINK_END = "<think>", "</think>"


def calls_start(
    text: str,
    markers: tuple[str, ...],
    begins_call: Callable[[int], bool],
    quoted: Callable[[int], bool] | None = None,
) -> int:
    """The earliest occurrence of any of ``markers`` where the calls begin, or -1. ``quoted(index)``: a
    marker that is an example (in a code fence, say), never a call."""
    starts = [i for i in (_start(text, marker, begins_call, quoted) for marker in markers) if i >= 0]
    return min(starts, default=-1)


def _start(
    text: str, marker: str, begins_call: Callable[[int], bool], quoted: Callable[[int], bool] | None
) -> int:
    found = text.find(marker)
    while quoted is not None and found >= 0 and quoted(found):
        found = text.find(marker, found + len(marker))
    if found < 0 or (THINK_END not in text and THINK_OPEN not in text):
        return found
    opens = [m.start() for m in re.finditer(THINK_OPEN, text)]
    closes = [m.start() for m in re.finditer(THINK_END, text)]
    while found >= 0:
        last_open = opens[bisect_left(opens, found) - 1] if opens and opens[0] < found else -1
        last_close = closes[bisect_left(closes, found) - 1] if closes and closes[0] < found else -1
        in_reasoning = last_open > last_close or (closes[-1:] > [found] and not begins_call(found))
        if not in_reasoning and (quoted is None or not quoted(found)):
            return found
        found = text.find(marker, found + len(marker))
    return -1
