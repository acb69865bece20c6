"""Hunyuan-A13B tool calls: one JSON array in a ``<tool_calls>`` block::

    <think>...</think>
    <answer>
    <tool_calls>[{"name": "get_weather", "arguments": {"city": "Beijing"}}]</tool_calls>
    </answer>

As vLLM: the first closed block outside ``<think>...</think>`` whose body is JSON is the calls; its items
need ``name`` and ``arguments``; the content is the text before that block.

Streaming: a block whose list opens with an object (``[{``) is the calls, whatever follows (a stream
sends each call as it is written, see :mod:`hermes_core.parsing_call_list`): its calls are read item by
item, arguments kept as written, and a list cut off by the end of the text (or broken) keeps the calls
before the cut, the last one closed at its last commit point. Other blocks are read whole, as vLLM.
"""

from __future__ import annotations

import re
from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_call_list import read_call_list
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_tags import JSON_ERRORS, json_document, scan_json

BLOCK = "<tool_calls>"
BLOCK_END = "</tool_calls>"
THINK = "<think>"
THINK_END = "</think>"
_WS = " \t\r\n"
_LIST_OF_OBJECTS = re.compile(r"[ \t\r\n]*\[[ \t\r\n]*(\{)")
_HEAD = re.compile(
    r'\{[ \t\r\n]*"name"[ \t\r\n]*:[ \t\r\n]*"(?P<name>[^"\\]*)"[ \t\r\n]*,'
    r'[ \t\r\n]*"arguments"[ \t\r\n]*:[ \t\r\n]*(?=\{)'
)


def _think_regions(text: str) -> list[tuple[int, int]]:
    regions: list[tuple[int, int]] = []
    pos = text.find(THINK)
    while pos >= 0:
        end = text.find(THINK_END, pos + len(THINK))
        if end < 0:
            break
        regions.append((pos, end + len(THINK_END)))
        pos = text.find(THINK, end + len(THINK_END))
    return regions


class HunyuanA13BParser(ToolCallParser):
    """Tencent Hunyuan-A13B-Instruct."""

    name = "hunyuan_a13b"
    aliases = ("hunyuan", "hunyuan-a13b")
    start_markers = (BLOCK,)
    call_end_markers = (BLOCK_END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        found, block = self._read(text, final=True)
        if not found:
            return None
        calls = [ToolCall(make_call_id(), FunctionCall(c.name, c.arguments)) for c in found]
        return ParsedCompletion(content=content_before(text, block), tool_calls=calls)

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """The calls of the first list block as written (see :mod:`hermes_core.parsing_call_list`),
        read on from the last call that ended: each item is read once."""
        if text.rfind(THINK) > text.rfind(THINK_END):
            return [], pos  # a block quoted while reasoning is not one: wait for the reasoning to end
        if pos > 0:  # only the first list block's calls end before the text does
            calls = read_call_list(text, json_document(text), pos, _HEAD, _whole, False, resume=True)[0]
        else:
            calls = self._read(text, final=False)[0]
        ends = [c.end for c in calls if c.closed]
        return calls, ends[-1] if ends else pos

    def _read(self, text: str, final: bool) -> tuple[list[PartialCall], int]:
        """The calls of the first block that holds some and where that block starts (``final``: the text
        is complete, a call cut off is closed)."""
        regions = _think_regions(text) if THINK in text else []
        region = 0
        pos = text.find(BLOCK)
        while pos >= 0:
            body = pos + len(BLOCK)
            while region < len(regions) and regions[region][1] <= pos:
                region += 1
            thinking = region < len(regions) and regions[region][0] < pos
            listed = None if thinking else _LIST_OF_OBJECTS.match(text, body)
            if listed is not None:  # the calls, whatever follows
                calls = read_call_list(text, json_document(text), listed.start(1), _HEAD, _whole, final)[0]
                return calls, pos
            end = text.find(BLOCK_END, body)
            if end < 0:
                return [], pos
            inside = thinking and end + len(BLOCK_END) < regions[region][1]
            if not inside:
                calls = self._calls(text, body, end)
                if calls is not None:
                    found = [PartialCall(c.function.name, c.function.arguments, True, end) for c in calls]
                    return found, pos
            pos = text.find(BLOCK, end + len(BLOCK_END))
        return [], -1

    @staticmethod
    def _calls(text: str, start: int, end: int) -> list[ToolCall] | None:
        """The calls of one block, or ``None`` when its body is not JSON (vLLM tries the next block)."""
        body = text[start:end].strip(_WS)
        try:
            value, stop = scan_json(body, 0)
        except JSON_ERRORS:
            return None
        if stop != len(body):
            return None
        if type(value) is not list:
            return []
        calls: list[ToolCall] = []
        for item in value:
            if type(item) is not dict or "name" not in item or "arguments" not in item:
                continue
            name = item["name"]
            if type(name) is str and name.strip():
                calls.append(
                    ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(item["arguments"])))
                )
        return calls


def _whole(item: Any) -> tuple[str, str, None] | None:
    """A complete item of another shape (arguments first, or a string): a call when it has both keys."""
    if type(item) is not dict or "name" not in item or "arguments" not in item:
        return None
    name = item["name"]
    if type(name) is not str or not name.strip():
        return None
    return name.strip(), encode_arguments(item["arguments"]), None
