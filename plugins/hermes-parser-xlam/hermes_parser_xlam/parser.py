"""Salesforce xLAM tool calls: a JSON array of ``{"name": ..., "arguments": {...}}``.

xLAM-2 models answer with the array alone, but also wrap it (vLLM's ``xLAMToolParser`` tests) in a
```` ```json ```` code block, after ``[TOOL_CALLS]``, between ``<tool_call>`` tags, or after a
``</think>`` block. As in vLLM elements without ``name``/``arguments`` are skipped, and the content is
the text with the block taken out.

Streaming: a call goes out once its arguments hold a key, the arguments as written, and it closes where
its object ends (:mod:`hermes_core.parsing_call_objects`). So the block is decided as the text comes:
the first candidate (by position, outside ``<think>``) whose array holds a call, where vLLM takes the
first block, by kind (fence, then marker, then tags), whose whole body is valid JSON; text after the
array (before the closing fence or tag) no longer voids it, and ``parse()`` of a text cut inside a call
keeps it, closed at its last complete value. Candidates are read once each, left to right.
"""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import (
    ParsedCompletion,
    ToolCallParser,
    encode_arguments,
)
from hermes_core.parsing_call_objects import CallObject, read_call_list, skip_space, stream_view, tool_calls
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_tags import THINK_END, json_document

FENCE = "```"
TOOL_CALLS = "[TOOL_CALLS]"
TAG_OPEN, TAG_CLOSE = "<tool_call>", "</tool_call>"
_KEYS = ("arguments",)
_CLOSERS = {FENCE: FENCE, TAG_OPEN: TAG_CLOSE}


def _decide(item: Any) -> tuple[str, str] | None:
    if type(item) is dict and "name" in item and "arguments" in item and type(item["name"]) is str:
        name = item["name"].strip()
        if name:
            return name, encode_arguments(item["arguments"])
    return None


class XLamParser(ToolCallParser):
    """Salesforce xLAM / xLAM-2: a JSON array of calls, bare or wrapped."""

    name = "xlam"
    aliases = ("xlam2",)
    start_markers = ("[", FENCE, TAG_OPEN)

    def extract(self, text: str) -> ParsedCompletion | None:
        found = _read(text)
        if found is None or not found[2]:
            return None
        begin, end, items = found
        calls = tool_calls(items)
        content = (text[:begin].rstrip() + (text[end:] if end >= 0 else "")).rstrip()
        return ParsedCompletion(content=content if content.strip() else None, tool_calls=calls)

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        found = _read(text)
        return stream_view(found[2] if found else [], pos)


def _read(text: str) -> tuple[int, int, list[CallObject]] | None:
    """``(begin, end, calls)`` of the block holding the calls (``end`` -1: the text stopped inside it), or
    ``None``: no block (yet)."""
    n = len(text)
    doc = json_document(text)
    opening = skip_space(text, 0)
    if text.startswith("[", opening):  # the common case: the array opens the completion, before any marker
        calls, end = read_call_list(text, doc, opening, _KEYS, _decide, True, string_arguments=True)
        if calls or end < 0:
            return opening, end, calls
    think_open = text.find("<think>")
    think_close = text.find(THINK_END, think_open) if think_open >= 0 else -1
    bare = [skip_space(text, 0)]
    first_close = text.find(THINK_END)
    if first_close >= 0:
        bare.append(skip_space(text, first_close + len(THINK_END)))
    bare = [b for b in bare if text.startswith("[", b)]
    next_at = {marker: -2 for marker in (FENCE, TOOL_CALLS, TAG_OPEN)}  # -2: not looked for yet
    pos = 0
    while True:
        for marker, at in next_at.items():
            if at == -2 or -1 < at < pos:
                next_at[marker] = text.find(marker, pos)
        found = [(at, marker) for marker, at in next_at.items() if at >= 0]
        found += [(b, "") for b in bare if b >= pos]
        if not found:
            return None
        begin, marker = min(found)
        if think_open >= 0 and begin >= think_open:
            if think_close < 0:
                return None  # reasoning still open: what is in it is not a call
            if begin < think_close:
                pos = think_close + len(THINK_END)
                continue
        array = begin + len(marker)
        if marker == FENCE:
            if n - array < 4 and "json".startswith(text[array:]):
                return None  # ```` ```js ```` cut off: not known yet
            array += 4 if text.startswith("json", array) else 0
        array = skip_space(text, array)
        if array >= n:
            return None
        if text[array] != "[":
            pos = begin + max(len(marker), 1)
            continue
        calls, end = read_call_list(text, doc, array, _KEYS, _decide, True, string_arguments=True)
        if calls or end < 0:
            closer = _CLOSERS.get(marker)
            close = text.find(closer, end) if closer and end >= 0 else -1
            return begin, close + len(closer) if close >= 0 else end, calls
        pos = max(end, begin + 1)
