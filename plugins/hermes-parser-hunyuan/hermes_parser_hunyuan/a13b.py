"""Hunyuan-A13B tool calls: one JSON array in a ``<tool_calls>`` block::

    <think>...</think>
    <answer>
    <tool_calls>[{"name": "get_weather", "arguments": {"city": "Beijing"}}]</tool_calls>
    </answer>

As vLLM: the first closed block outside ``<think>...</think>`` whose body is JSON is the calls; its items
need ``name`` and ``arguments``; the content is the text before that block.
"""

from __future__ import annotations

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_tags import JSON_ERRORS, scan_json

BLOCK = "<tool_calls>"
BLOCK_END = "</tool_calls>"
THINK = "<think>"
THINK_END = "</think>"
_WS = " \t\r\n"


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
        regions = _think_regions(text) if THINK in text else []
        region = 0
        pos = text.find(BLOCK)
        while pos >= 0:
            end = text.find(BLOCK_END, pos + len(BLOCK))
            if end < 0:
                return None
            while region < len(regions) and regions[region][1] <= pos:
                region += 1
            inside = (
                region < len(regions)
                and regions[region][0] < pos
                and end + len(BLOCK_END) < regions[region][1]
            )
            if not inside:
                calls = self._calls(text, pos + len(BLOCK), end)
                if calls is not None:
                    return (
                        ParsedCompletion(content=content_before(text, pos), tool_calls=calls)
                        if calls
                        else None
                    )
            pos = text.find(BLOCK, end + len(BLOCK_END))
        return None

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
