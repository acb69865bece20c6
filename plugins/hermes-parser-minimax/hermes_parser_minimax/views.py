"""The stream's view of a key/value format's calls: each parameter once it ends, the call once its end
marker is in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hermes_core.parsing_partial import PartialCall, open_calls_view

__all__ = ["ended_calls_view"]


def ended_calls_view(
    text: str, pos: int, read: Callable[[str], tuple[Any, list[int], list[int]]]
) -> tuple[list[PartialCall], int]:
    """:func:`open_calls_view`, and the last call closed (whole, ``}`` included) once its end marker is
    in: ``read(text)`` also gives where each call ended for good (-1: not yet). (Every key/value plugin
    of this task holds this helper; the lead may move it to ``hermes_core.parsing_partial``.)"""
    ends: list[int] = []

    def read_starts(current: str) -> tuple[Any, list[int]]:
        parsed, starts, found = read(current)
        ends[:] = found
        return parsed, starts

    calls, resume = open_calls_view(text, pos, read_starts)
    if not calls:
        return calls, max(pos, resume)  # nothing after a call that closed: stay after it
    last = calls[-1]
    if not last.closed and ends and ends[-1] >= 0:
        last.arguments += "}"
        last.closed, last.end = True, ends[-1]
        resume = ends[-1]
    return calls, resume
