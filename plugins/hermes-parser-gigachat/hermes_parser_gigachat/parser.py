"""GigaChat 3 / 3.1 (``gigachat3``): one JSON call after a header, at the end of the message.

GigaChat 3 starts a new message for the call::

    I'll check that for you.<|message_sep|>

    function call<|role_sep|>
    {"name": "manage_user_memory", "arguments": {"action": "create"}}</s>

GigaChat 3.1 uses one token instead::

    I'll check that for you.<|function_call|>{"name": "manage_user_memory", "arguments": {}}

The content is the text before the first ``<|message_sep|>`` or header; the call is the
JSON object after the header (``name`` and an object ``arguments``, as vLLM requires). One call per
message, as in vLLM.

Streaming: a call written name first (``{"name": "f", "arguments": {``, what GigaChat writes) sends its
name at once and its arguments as written (:func:`~hermes_core.parsing_tags.head_arguments`), so
``parse()`` keeps such a call when the text stops inside it (its arguments closed at their last commit
point), as vLLM's stream has sent it by then. Raw newlines and tabs inside strings (read with
``strict=False``, as vLLM reads them) are escaped, so the arguments are always strict JSON.
"""

from __future__ import annotations

import json
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
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_tags import JSON_ERRORS, head_arguments, json_document, scan_json

MESSAGE_SEP = "<|message_sep|>"
FUNCTION_CALL = "<|function_call|>"
ROLE_HEADER = "function call<|role_sep|>"

# GigaChat writes raw newlines and tabs inside JSON strings; vLLM reads them with strict=False.
_scan = json.JSONDecoder(strict=False).scan_once
_SCAN_ERRORS = (StopIteration, ValueError, RecursionError)
_WS = " \t\r\n"
# ``{"name": "...", "arguments": `` (only ``arguments``: vLLM requires that key)
_NAME_FIRST = re.compile(
    r'\{[ \t\r\n]*"name"[ \t\r\n]*:[ \t\r\n]*"([^"\\]*)"[ \t\r\n]*,[ \t\r\n]*"arguments"[ \t\r\n]*:[ \t\r\n]*'
)


_ESCAPES = {chr(code): json.dumps(chr(code))[1:-1] for code in range(0x20)}
_CONTROL_SPLIT = re.compile("([\x00-\x1f])").split


def strict_json_text(text: str, start: int) -> str:
    """``text[start:]`` with raw control characters inside its strings escaped: strict JSON where the
    model wrote ``strict=False`` JSON (whitespace between tokens is left alone). Strings are found left
    to right with ``str.find``, so the text of a prefix is a prefix of the text of the whole (a stream
    can send it as it comes)."""
    rest = text[start:]
    out: list[str] = []
    find = rest.find
    pos = 0
    while True:
        opening = find('"', pos)
        if opening < 0:
            out.append(rest[pos:])
            return "".join(out)
        out.append(rest[pos:opening])
        closing = find('"', opening + 1)
        while closing >= 0:
            backslash = closing
            while rest[backslash - 1] == "\\":
                backslash -= 1
            if (closing - backslash) % 2 == 0:  # not escaped
                break
            closing = find('"', closing + 1)
        pos = closing + 1 if closing >= 0 else len(rest)
        pieces = _CONTROL_SPLIT(rest[opening:pos])
        if len(pieces) > 1:
            pieces[1::2] = [_ESCAPES[char] for char in pieces[1::2]]
        out.extend(pieces)


class GigaChat3Parser(ToolCallParser):
    """``function call<|role_sep|>\\n{json}`` (GigaChat 3) or ``<|function_call|>{json}`` (3.1)."""

    name = "gigachat3"
    aliases = ("gigachat",)
    start_markers = (MESSAGE_SEP, FUNCTION_CALL, ROLE_HEADER)

    def extract(self, text: str) -> ParsedCompletion | None:
        found = _call_start(text)
        if found is None:
            return None
        content_end, body = found
        head = _NAME_FIRST.match(text, body)
        if head is not None and text.startswith("{", head.end()) and head.group(1).strip():
            arguments, closure, _end, _closed = _head(text, head.end())
            call = ToolCall(make_call_id(), FunctionCall(head.group(1).strip(), arguments + closure))
            return ParsedCompletion(content=content_before(text, content_end), tool_calls=[call])
        try:
            obj, _ = _scan(text, body)
        except _SCAN_ERRORS:
            return None
        if type(obj) is not dict or "name" not in obj or type(obj.get("arguments")) is not dict:
            return None
        name = obj["name"]
        if type(name) is not str or not name.strip():
            return None
        call = ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(obj["arguments"])))
        return ParsedCompletion(content=content_before(text, content_end), tool_calls=[call])

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """The name once ``"arguments": {`` is written, then the arguments as they come; a call in
        another shape is sent at the end. One call per message: after it ended, nothing more."""
        found = _call_start(text) if pos < 0 else None
        if found is None:
            return [], pos
        head = _NAME_FIRST.match(text, found[1])
        if head is None or not text.startswith("{", head.end()) or not head.group(1).strip():
            return [], pos
        arguments, closure, _end, closed = _head(text, head.end())
        name = head.group(1).strip()
        if closed:
            return [PartialCall(name, arguments + closure, True, len(text))], len(text)
        return [PartialCall(name, arguments)], pos


def _call_start(text: str) -> tuple[int, int] | None:
    """Where the content ends and where the call's JSON begins, or ``None`` when no header yet."""
    header = text.find(FUNCTION_CALL)
    role = text.find(ROLE_HEADER, 0, header if header >= 0 else len(text))
    if role >= 0:
        body = role + len(ROLE_HEADER)
    elif header >= 0:
        body = header + len(FUNCTION_CALL)
    else:
        return None
    while body < len(text) and text[body] in _WS:
        body += 1
    cut = [i for i in (text.find(MESSAGE_SEP), header, role) if i >= 0]
    return min(cut), body


def _head(text: str, start: int) -> tuple[str, str, int, bool]:
    """:func:`head_arguments` of the arguments object at ``text[start]``, control characters escaped
    (a whole object that strict JSON reads has none in its strings: no pass needed)."""
    try:
        value, end = scan_json(text, start)
    except JSON_ERRORS:
        value = None
    if type(value) is dict:
        return text[start:end], "", end, True
    strict = strict_json_text(text, start)
    return head_arguments(strict, json_document(strict), 0)
