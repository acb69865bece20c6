"""Inkling (``inkling``): typed content blocks, each opened by a special token::

    <|message_model|><|content_thinking|>...reasoning...<|end_message|>
    <|message_model|><|content_text|>...visible text...<|end_message|>
    <|message_model|><|content_invoke_tool_json|>{"name": "f", "args": {"city": "SF"}}<|end_message|>

A block ends at ``<|end_message|>`` or ``<|content_model_end_sampling|>``; blocks come in any order. As
vLLM's ``InklingParser``: a tool block holds one JSON object whose ``args`` object is the arguments;
text blocks, raw-text tool blocks and tool errors are visible content, thinking blocks and the text of
a message header are not. When calls are found, the content is the text before the first token
followed by the visible blocks; with none, the text stays whole (hermes contract). Every token is a
start marker, so a stream holds back content from the first one and reconciles at the end.

Calls stream as they are written: a tool block that opens with ``{"name": N, "args": {`` is that call,
its ``args`` kept as written up to the block's end; cut off there (by the end of the text, or a token
inside a string) they are closed at their last commit point, as a stream has sent them. Other tool
blocks count once they have ended.
"""

from __future__ import annotations

import re

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_partial import PartialCall, json_object_prefix
from hermes_core.parsing_tags import JSON_ERRORS, json_document, scan_json

MESSAGE_MODEL = "<|message_model|>"
TEXT = "<|content_text|>"
THINKING = "<|content_thinking|>"
TOOL_JSON = "<|content_invoke_tool_json|>"
TOOL_TEXT = "<|content_invoke_tool_text|>"
TOOL_ERROR = "<|content_tool_error|>"
END_SAMPLING = "<|content_model_end_sampling|>"
END_MESSAGE = "<|end_message|>"

# What the text after each token is: visible content, hidden, or a tool call.
_MODES = {
    MESSAGE_MODEL: "hidden",  # the header's optional metadata
    TEXT: "visible",
    TOOL_TEXT: "visible",
    TOOL_ERROR: "visible",
    THINKING: "hidden",
    TOOL_JSON: "tool",
    END_MESSAGE: "visible",  # between blocks
    END_SAMPLING: "visible",
}
_WS = " \t\r\n"
_HEAD = re.compile(
    r'[ \t\r\n]*\{[ \t\r\n]*"name"[ \t\r\n]*:[ \t\r\n]*"([^"\\]*)"[ \t\r\n]*,'
    r'[ \t\r\n]*"args"[ \t\r\n]*:[ \t\r\n]*(?=\{)'
)


class InklingParser(ToolCallParser):
    """``<|content_invoke_tool_json|>{"name": N, "args": {...}}<|end_message|>`` among typed blocks."""

    name = "inkling"
    start_markers = tuple(_MODES)

    def extract(self, text: str) -> ParsedCompletion | None:
        if TOOL_JSON not in text:
            return None
        first = -1
        mode = "visible"
        start = 0
        visible: list[str] = []
        calls: list[ToolCall] = []
        doc = json_document(text)
        pos = text.find("<|")
        while True:
            token = None
            if pos >= 0:
                for candidate in _MODES:
                    if text.startswith(candidate, pos):
                        token = candidate
                        break
                if token is None:  # "<|" that opens no token: plain text
                    pos = text.find("<|", pos + 2)
                    continue
            end = len(text) if pos < 0 else pos
            if first < 0:
                first = end  # the text before the first token is the content's prefix
            elif mode == "visible":
                visible.append(text[start:end])
            elif mode == "tool":
                call = _call(text, doc, start, end, True)
                if call is not None:
                    calls.append(ToolCall(make_call_id(), FunctionCall(call.name, call.arguments)))
            if pos < 0:
                break
            mode = _MODES[token]
            start = pos + len(token)
            pos = text.find("<|", start)
        if not calls:
            return None
        content = (content_before(text, first) or "") + "".join(visible)
        return ParsedCompletion(content=content if content.strip(_WS) else None, tool_calls=calls)

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """The calls of the tool blocks as far as they are written (a token being written held back)."""
        if TOOL_JSON not in text:
            return [], pos
        held = text.rfind("<|") if not text.endswith("<") else len(text) - 1
        if held >= 0 and any(t.startswith(text[held:]) and t != text[held:] for t in _MODES):
            text = text[:held]
        calls: list[PartialCall] = []
        doc = json_document(text)
        token = text.find(TOOL_JSON, max(pos, 0))
        while token >= 0:
            start = token + len(TOOL_JSON)
            end = _next_token(text, start)
            call = _call(text, doc, start, len(text) if end < 0 else end, end >= 0)
            if call is None and end < 0:
                break  # not readable yet
            if call is not None:
                calls.append(call)
                if not call.closed:
                    break
            if end < 0:
                break
            token = text.find(TOOL_JSON, end)
        ends = [c.end for c in calls if c.closed]
        return calls, ends[-1] if ends else pos


def _next_token(text: str, pos: int) -> int:
    """Where the next token begins at or after ``pos``, or -1."""
    pos = text.find("<|", pos)
    while pos >= 0:
        if any(text.startswith(token, pos) for token in _MODES):
            return pos
        pos = text.find("<|", pos + 2)
    return -1


def _call(text: str, doc: str, start: int, end: int, ended: bool) -> PartialCall | None:
    """The call of the tool block ``text[start:end]`` (``ended``: its end token is in), or ``None``.

    A block that opens with ``{"name": N, "args": {`` is that call whatever follows: its ``args`` as
    written, closed at their last commit point when the block stops inside them (open while ``ended``
    is false). Another block is a call once it has ended with a whole JSON object (vLLM's reading).
    """
    head = _HEAD.match(text, start, end)
    name = head.group(1).strip() if head is not None else ""
    if name:
        at = head.end()
        try:
            value, stop = scan_json(doc, at)
        except JSON_ERRORS:
            value = None
        if type(value) is dict and stop <= end:  # complete: kept as written
            return PartialCall(name, text[at:stop], True, stop)
        found = json_object_prefix(text, at, end)  # stopped (or broke) inside the block
        if found.end < 0 and not ended:
            return PartialCall(name, text[at : found.commit])
        return PartialCall(name, text[at : found.commit] + found.closure, True, max(found.end, found.commit))
    if not ended:
        return None
    while start < end and doc[start] in _WS:
        start += 1
    try:
        obj, stop = scan_json(doc, start)
    except JSON_ERRORS:
        return None
    if stop > end or type(obj) is not dict:
        return None
    name = obj.get("name")
    arguments = obj.get("args", {})
    if type(name) is not str or not name.strip() or type(arguments) is not dict:
        return None  # vLLM: args must be a JSON object
    return PartialCall(name.strip(), encode_arguments(arguments), True, end)
