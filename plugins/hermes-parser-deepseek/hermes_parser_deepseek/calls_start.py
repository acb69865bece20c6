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

from collections.abc import Callable

THINK_OPEN, THINK_END = "<think>", "</think>"
_SHORT = 4096


def calls_start(
    text: str,
    markers: tuple[str, ...],
    begins_call: Callable[[int], bool],
    quoted: Callable[[int], bool] | None = None,
) -> int:
    """The earliest occurrence of any of ``markers`` where the calls begin, or -1. ``quoted(index)``: a
    marker that is an example (in a code fence, say), never a call."""
    # a short text without reasoning tags: the first marker that is no example (the common case, at once)
    plain = len(text) < _SHORT and "think>" not in text
    first = -1
    for marker in markers:  # each later marker is looked for only before the one found so far
        found = _start(text, marker, begins_call, quoted, first if first >= 0 else len(text), plain)
        if found >= 0:
            first = found
    return first


def _start(
    text: str,
    marker: str,
    begins_call: Callable[[int], bool],
    quoted: Callable[[int], bool] | None,
    stop: int,
    plain: bool = False,
) -> int:
    """The first ``marker`` before ``stop`` that is no example, not inside an open ``<think>``, and begins
    a call or has no ``</think>`` after it. Costs a look back over the text before it, and a look through
    the rest of the text when that is short or the marker does not begin a call."""
    found = text.find(marker, 0, stop)
    while found >= 0:
        if (quoted is None or not quoted(found)) and (plain or _counts(text, found, begins_call)):
            return found
        found = text.find(marker, found + len(marker), stop)
    return -1


def _counts(text: str, found: int, begins_call: Callable[[int], bool]) -> bool:
    """Not inside an open ``<think>``, and a call begins here or no ``</think>`` follows. Either test
    decides: the look for ``</think>`` goes first where the rest of the text is short."""
    if _in_open_think(text, found):
        return False
    if len(text) - found < _SHORT:
        return text.find(THINK_END, found) < 0 or begins_call(found)
    return begins_call(found) or text.find(THINK_END, found) < 0


def _in_open_think(text: str, index: int) -> bool:
    last_open = text.rfind(THINK_OPEN, 0, index)
    return last_open >= 0 and text.find(THINK_END, last_open, index) < 0
