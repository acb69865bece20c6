"""FunctionGemma tool calls.

``<start_function_call>call:NAME{key:<escape>value<escape>,...}<end_function_call>``.

Google's FunctionGemma (``google/functiongemma-270m-it``) wraps every value in ``<escape>`` tokens. As in
vLLM's ``FunctionGemmaToolParser`` a value is JSON-decoded when it is JSON (``42``, ``true``, a list) and
kept as a string otherwise, and a last call without ``<end_function_call>`` runs to the end of the text.
Pairs are found with ``str.find`` (no ``(\\w+):<escape>(.*?)<escape>`` regex, which backtracks over long
word runs).
"""

from __future__ import annotations

import json
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
from hermes_core.parsing_tags import first_marker

START = "<start_function_call>"
END = "<end_function_call>"
ESCAPE = "<escape>"
_KEY_OPEN = ":" + ESCAPE

_NAME = re.compile(r"call:(\w+)\{")
_JSON_FIRST = frozenset('-0123456789[{"tfnIN \t\r\n')  # what a JSON document (json.loads) can start with


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def parse_arguments(text: str, start: int, end: int) -> dict[str, Any]:
    """``key:<escape>value<escape>`` pairs in ``text[start:end]``, in one left-to-right pass."""
    out: dict[str, Any] = {}
    pos = start
    while True:
        colon = text.find(_KEY_OPEN, pos, end)
        if colon < 0:
            return out
        key_start = colon
        while key_start > pos and _is_word(text[key_start - 1]):
            key_start -= 1
        value_start = colon + len(_KEY_OPEN)
        close = text.find(ESCAPE, value_start, end)
        if close < 0:
            return out
        if key_start < colon:
            raw = text[value_start:close]
            value: Any = raw
            if raw and raw[0] in _JSON_FIRST:  # most values are plain text: skip a failing json.loads
                try:
                    value = json.loads(raw)
                except ValueError:
                    pass
            out[text[key_start:colon]] = value
        pos = close + len(ESCAPE)


class FunctionGemmaParser(ToolCallParser):
    """FunctionGemma: ``<start_function_call>call:NAME{...}<end_function_call>``, repeated."""

    name = "functiongemma"
    aliases = ("function_gemma",)
    start_markers = (START,)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, START)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            body = pos + len(START)
            match = _NAME.match(text, body)
            if match is None:
                pos = text.find(START, body)
                continue
            close = text.find("}" + END, match.end())
            stop = close if close >= 0 else len(text)  # an unclosed last call runs to the end, as in vLLM
            arguments = parse_arguments(text, match.end(), stop)
            calls.append(ToolCall(make_call_id(), FunctionCall(match.group(1), encode_arguments(arguments))))
            if close < 0:
                break
            pos = text.find(START, close + 1 + len(END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)
