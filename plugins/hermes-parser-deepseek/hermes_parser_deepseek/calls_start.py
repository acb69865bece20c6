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


def calls_start(text: str, markers: tuple[str, ...], begins_call: Callable[[int], bool]) -> int:
    """The earliest occurrence of any of ``markers`` where the calls begin, or -1."""
    starts = [i for i in (_start(text, marker, begins_call) for marker in markers) if i >= 0]
    return min(starts, default=-1)


def _start(text: str, marker: str, begins_call: Callable[[int], bool]) -> int:
    found = text.find(marker)
    if found < 0 or (THINK_END not in text and THINK_OPEN not in text):
        return found
    opens = [m.start() for m in re.finditer(THINK_OPEN, text)]
    closes = [m.start() for m in re.finditer(THINK_END, text)]
    while found >= 0:
        last_open = opens[bisect_left(opens, found) - 1] if opens and opens[0] < found else -1
        last_close = closes[bisect_left(closes, found) - 1] if closes and closes[0] < found else -1
        if last_open <= last_close and (closes[-1:] < [found] or begins_call(found)):
            return found
        found = text.find(marker, found + len(marker))
    return -1
