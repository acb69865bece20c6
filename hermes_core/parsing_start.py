"""Where a completion's calls begin when it may hold reasoning: the streaming-safe version of
:func:`hermes_core.parsing_tags.first_marker`.

``first_marker`` takes the first marker after the last ``</think>``: right for a finished text, wrong for a
stream, which may have sent a call before a later ``</think>`` turned it into "reasoning" (sent deltas
cannot be taken back). The rule here: a marker inside an explicit ``<think>`` block (closed or still open)
is reasoning; any other marker counts when no ``</think>`` follows it, or when a call has begun at it
(``begins_call``: the format's own test, say "the name is complete"). A call quoted in Qwen3-style
reasoning (no opening tag: it sits in the prompt) counts while no ``</think>`` follows, as vLLM's tool
parsers count it when no reasoning parser runs first; vLLM 0.34's engines end the reasoning at a tool call.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["THINK_END", "THINK_OPEN", "calls_start"]

THINK_OPEN, THINK_END = "<think>", "</think>"
_SHORT = 4096


def calls_start(
    text: str,
    markers: tuple[str, ...],
    begins_call: Callable[[int], bool],
    quoted: Callable[[int], bool] | None = None,
    fallback: bool = False,
) -> int:
    """The earliest occurrence of any of ``markers`` where the calls begin, or -1.

    ``begins_call(index)``: a call has begun at the marker at ``index`` (asked only where a ``</think>``
    follows it). ``quoted(index)``: the marker is an example (in a code fence, say), never a call.
    ``fallback``: when no marker counts, the first one that is no example (``parse()`` of a finished
    text whose calls all sit in reasoning keeps them; a stream's view passes false, as a later call
    would void those).
    """
    # a short text without reasoning tags: the first marker that is no example (the common case, at once);
    # a long one is not scanned whole for ``<think>``: the look back from each candidate decides
    plain = len(text) < _SHORT and "think>" not in text
    if plain and quoted is None:
        if len(markers) == 1:
            return text.find(markers[0])
        return min((found for found in map(text.find, markers) if found >= 0), default=-1)
    last_end = -1 if plain else text.rfind(THINK_END)
    for any_marker in (plain, True) if fallback and not plain else (plain,):
        first = -1
        for marker in markers:  # each later marker is looked for only before the one found so far
            found = _start(
                text, marker, begins_call, quoted, len(text) if first < 0 else first, last_end, any_marker
            )
            if found >= 0:
                first = found
        if first >= 0:
            return first
    return -1


def _start(
    text: str,
    marker: str,
    begins_call: Callable[[int], bool],
    quoted: Callable[[int], bool] | None,
    stop: int,
    last_end: int,
    plain: bool,
) -> int:
    """The first ``marker`` before ``stop`` that is no example, not inside a ``<think>`` block, and has
    no ``</think>`` after it (``last_end``: where the last one is) or begins a call (``plain``: any
    marker that is no example)."""
    found = text.find(marker, 0, stop)
    while found >= 0:
        if (quoted is None or not quoted(found)) and (
            plain or (not _in_think(text, found) and (found > last_end or begins_call(found)))
        ):
            return found
        found = text.find(marker, found + len(marker), stop)
    return -1


def _in_think(text: str, index: int) -> bool:
    last_open = text.rfind(THINK_OPEN, 0, index)
    return last_open >= 0 and text.find(THINK_END, last_open, index) < 0
