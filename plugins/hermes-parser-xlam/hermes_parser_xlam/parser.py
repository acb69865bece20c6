"""Salesforce xLAM tool calls: a JSON array of ``{"name": ..., "arguments": {...}}``.

xLAM-2 models answer with the array alone, but also wrap it (vLLM's ``xLAMToolParser`` tests) in a
```` ```json ```` code block, after ``[TOOL_CALLS]`` (up to the end of the line), between ``<tool_call>``
tags, or after a ``</think>`` block. As in vLLM the first of these that holds valid JSON wins, elements
without ``name``/``arguments`` are skipped, and the content is the text with the block taken out.
Blocks are found with ``str.find`` (vLLM's ``<tool_call>([\\s\\S]*?)</tool_call>`` regex re-scans the rest
of the text from every unclosed tag) and each candidate is decoded once.
"""

from __future__ import annotations

import json
from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_tags import THINK_END

FENCE = "```"
TOOL_CALLS = "[TOOL_CALLS]"
TAG_OPEN, TAG_CLOSE = "<tool_call>", "</tool_call>"


def _loads(candidate: str) -> Any:
    try:
        return json.loads(candidate)
    except (ValueError, RecursionError):
        return None


def _fenced(text: str, start: int, stop: int):
    """Each fenced block (optionally ```` ```json ````) in ``text[start:stop]`` as (begin, end, body)."""
    pos = text.find(FENCE, start, stop)
    while pos >= 0:
        body = pos + len(FENCE)
        if text.startswith("json", body):
            body += 4
        close = text.find(FENCE, body, stop)
        if close < 0:
            return
        yield pos, close + len(FENCE), text[body:close]
        pos = text.find(FENCE, close + len(FENCE), stop)


def _after_marker(text: str, start: int, stop: int):
    pos = text.find(TOOL_CALLS, start, stop)
    while pos >= 0:
        body = pos + len(TOOL_CALLS)
        end = text.find("\n", body, stop)
        end = stop if end < 0 else end
        yield pos, end, text[body:end]
        pos = text.find(TOOL_CALLS, end, stop)


def _tagged(text: str, start: int, stop: int):
    pos = text.find(TAG_OPEN, start, stop)
    while pos >= 0:
        close = text.find(TAG_CLOSE, pos, stop)
        if close < 0:
            return
        yield pos, close + len(TAG_CLOSE), text[pos + len(TAG_OPEN) : close]
        pos = text.find(TAG_OPEN, close, stop)


class XLamParser(ToolCallParser):
    """Salesforce xLAM / xLAM-2: a JSON array of calls, bare or wrapped."""

    name = "xlam"
    aliases = ("xlam2",)
    start_markers = ("[", FENCE, TAG_OPEN)

    def extract(self, text: str) -> ParsedCompletion | None:
        found = self._locate(text)
        if found is None:
            return None
        begin, end, items = found
        if type(items) is not list:
            return None
        calls: list[ToolCall] = []
        for item in items:
            if type(item) is dict and "name" in item and "arguments" in item and type(item["name"]) is str:
                name = item["name"].strip()
                if name:
                    calls.append(
                        ToolCall(make_call_id(), FunctionCall(name, encode_arguments(item["arguments"])))
                    )
        if not calls:
            return None
        content = (text[:begin].rstrip() + text[end:]).rstrip()
        return ParsedCompletion(content=content if content.strip() else None, tool_calls=calls)

    @staticmethod
    def _locate(text: str) -> tuple[int, int, Any] | None:
        """(start, end, decoded JSON) of the block holding the calls, searched in vLLM's order."""
        n = len(text)
        think_end = text.find(THINK_END)
        if think_end >= 0:  # what follows the reasoning: bare JSON, else a block inside it
            after = think_end + len(THINK_END)
            decoded = _loads(text[after:])
            if decoded is not None:
                return after, n, decoded
            for finder in (_fenced, _after_marker, _tagged):
                for begin, end, body in finder(text, after, n):
                    decoded = _loads(body)
                    if decoded is not None:
                        return begin, end, decoded
        for finder in (_fenced, _after_marker, _tagged):
            for begin, end, body in finder(text, 0, n):
                decoded = _loads(body)
                if decoded is not None:
                    return begin, end, decoded
        stripped = text.lstrip()
        if stripped.startswith("["):
            decoded = _loads(text)
            if decoded is not None:
                return n - len(stripped), n, decoded
        return None
