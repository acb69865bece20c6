"""Granite 4 tool calls: ``<tool_call>{json}</tool_call>`` blocks anywhere in the text.

As in vLLM's ``Granite4ToolParser`` the text *around and between* the blocks is the content (joined), a
block must hold one JSON object with ``name`` and ``arguments``, and an end tag before the first block
makes the whole completion content.

Streaming: a call goes out once its arguments hold a key, the arguments as written, and it closes where
its object ends (:mod:`hermes_core.parsing_call_objects`). So a call that began is never taken back:
where vLLM makes the whole completion content for a malformed block (bad JSON, a start without an end,
two starts in a row), the calls before that block are kept and the block and what follows it are
content; ``parse()`` of a text cut inside a call keeps it closed at its last complete value.
"""

from __future__ import annotations

from hermes_core.parsing import ParsedCompletion, ToolCallParser
from hermes_core.parsing_call_objects import (
    CallObject,
    read_call_object,
    skip_space,
    stream_view,
    tool_calls,
)
from hermes_core.parsing_partial import PartialCall
from hermes_parser_granite.calls import KEYS, strict_decide

TC_START = "<tool_call>"
TC_END = "</tool_call>"


class Granite4Parser(ToolCallParser):
    """IBM Granite 4.0: ``text <tool_call> {"name": ..., "arguments": ...} </tool_call> text``."""

    name = "granite4"
    aliases = ("granite_4",)
    start_markers = (TC_START,)

    def extract(self, text: str) -> ParsedCompletion | None:
        found, segments = _read(text)
        if not found:
            return None
        content = "".join(segments)
        first = segments[0]
        content = first.rstrip() + content[len(first) :] if first.strip() else content[len(first) :]
        return ParsedCompletion(content=content if content.strip() else None, tool_calls=tool_calls(found))

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        return stream_view(_read(text)[0], pos)


def _read(text: str) -> tuple[list[CallObject], list[str]]:
    """The calls, and the text around them (the content, in pieces)."""
    find = text.find
    start = find(TC_START)
    calls: list[CallObject] = []
    segments: list[str] = []
    if start < 0 or find(TC_END, 0, start) >= 0:
        return calls, segments  # no block, or an end tag before the first one
    n = len(text)
    doc = text  # reading stops at the first malformed block: at most a scan or two fail (no copy)
    cut = 0
    close = -2  # the next end tag at or after the current object (-2: not looked for yet)
    while start >= 0:
        segments.append(text[cut:start])
        cut = start  # a block that is not a call is content, and so is what follows it
        body = skip_space(text, start + len(TC_START))
        if not text.startswith("{", body):
            break
        found = read_call_object(text, doc, body, KEYS, strict_decide, string_arguments=True)
        if found.name is None:
            cut = n if found.end < 0 else cut  # cut off before it is certain: not content yet
            break
        calls.append(found)
        if found.end < 0 or not found.whole:
            cut = n
            break
        if close != -1 and close < found.end:
            close = find(TC_END, found.end)
        start = find(TC_START, found.end)
        if close >= 0 and (start < 0 or close < start):
            cut = close + len(TC_END)
        else:  # no end tag before the next block (or the end): what follows the object is dropped
            cut = start if start >= 0 else n
    segments.append(text[cut:])
    return calls, segments
