"""Granite 3.x tool calls: a JSON array after ``<|tool_call|>`` (3.0, a token) or ``<tool_call>`` (3.1+).

::

    <|tool_call|>[{"name": "get_weather", "arguments": {"city": "Tokyo"}}]

As in vLLM's ``GraniteToolParser`` the array may also stand alone (no marker) at the start of the
completion, and every element must be a call (one without ``name``/``arguments`` makes the whole text
content). Unlike vLLM, text before the marker is kept as content and text after the array is tolerated
(vLLM's own ``surrounding_text`` case is marked xfail for this parser).
"""

from __future__ import annotations

from hermes_core.parsing import ParsedCompletion, ToolCall, ToolCallParser, content_before
from hermes_core.parsing_tags import JSON_ERRORS, THINK_END, first_marker, scan_json
from hermes_parser_granite.calls import strict_call

BOT_TOKEN = "<|tool_call|>"
BOT_STRING = "<tool_call>"


def _skip_space(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    return pos


class GraniteParser(ToolCallParser):
    """IBM Granite 3.0 / 3.1 / 3.2 / 3.3: ``<|tool_call|>[{...}, ...]``."""

    name = "granite"
    aliases = ("granite3",)
    start_markers = (BOT_TOKEN, BOT_STRING, "[")

    def extract(self, text: str) -> ParsedCompletion | None:
        marker = first_marker(text, BOT_TOKEN)
        if marker < 0:
            marker = first_marker(text, BOT_STRING)
        if marker >= 0:
            start = marker
            pos = _skip_space(text, text.index(">", marker) + 1)
            if text.startswith(BOT_STRING, pos):  # "<|tool_call|><tool_call>" as vLLM strips both
                pos = _skip_space(text, pos + len(BOT_STRING))
        else:  # a bare array must open the completion (after any reasoning)
            think_end = text.rfind(THINK_END)
            start = pos = _skip_space(text, think_end + len(THINK_END) if think_end >= 0 else 0)
        if not text.startswith("[", pos):
            return None
        try:
            items, end = scan_json(text, pos)
        except JSON_ERRORS:
            return None
        if marker < 0 and text[end:].strip():
            return None  # a bare array followed by prose is not a call
        if type(items) is not list or not items:
            return None
        calls: list[ToolCall] = []
        for item in items:
            call = strict_call(item)
            if call is None:
                return None
            calls.append(call)
        return ParsedCompletion(content=content_before(text, start), tool_calls=calls)
