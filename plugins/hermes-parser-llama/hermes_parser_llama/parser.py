"""Llama 3.x / 4 JSON tool calls: ``{"name": ..., "parameters": {...}}`` objects in the completion.

Llama 3.1+ (JSON tool-calling template) answers a tool turn with JSON objects, sometimes after
``<|python_tag|>``, several separated by ``;``::

    {"name": "get_weather", "parameters": {"city": "Paris"}}; {"name": "get_time", "parameters": {}}

As vLLM 0.34's ``llama3_json`` grammar: calls begin only where the answer opens with ``{`` or after
``<|python_tag|>`` (a JSON example in prose is text: ``test_brace_in_plain_text_is_not_a_tool_call``);
from there every top-level object with a string ``name`` and ``arguments``/``parameters`` is a call, and
prose or a brace after the calls does not lose them. Objects without those keys are skipped. The text
before ``<|python_tag|>`` is kept as content.

Linear time: objects are read with the C JSON scanner on the original string, a decoded object's
interior is never re-scanned, and the characters examined by *failed* decodes are budgeted (a few times
the text length), so bait like ``"{\\"a\\": [" * 100000`` cannot turn the scan quadratic.
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
from hermes_core.parsing_tags import JSON_ERRORS, THINK_END, json_document, scan_json

PYTHON_TAG = "<|python_tag|>"

# Failed decodes may examine at most this many characters per character of text (plus a floor).
_FAILED_SCAN_BUDGET = 4
_FAILED_SCAN_FLOOR = 1 << 16
# A call object starts with a key: ``{`` then optional whitespace then ``"``.
_OBJECT_START = re.compile(r'\{[ \t\r\n]*"')


def _call(obj: Any) -> ToolCall | None:
    """A call when ``obj`` has a string ``name`` and ``arguments`` or ``parameters`` (vLLM's test)."""
    if type(obj) is not dict:
        return None
    name = obj.get("name")
    if type(name) is not str or not name.strip():
        return None
    if "arguments" in obj:
        arguments = obj["arguments"]
    elif "parameters" in obj:
        arguments = obj["parameters"]
    else:
        return None
    return ToolCall(
        id=make_call_id(), function=FunctionCall(name=name.strip(), arguments=encode_arguments(arguments))
    )


def _failure_cost(error: BaseException, start: int, n: int) -> int:
    """What a failed decode walked: up to its error (``json_document`` makes the error itself O(1));
    a too-deep one (``RecursionError``) is charged the whole text."""
    if isinstance(error, json.JSONDecodeError):
        return error.pos - start + 1
    return n if isinstance(error, RecursionError) else 1


class Llama3JsonParser(ToolCallParser):
    """Llama 3.1 / 3.2 / 3.3 and Llama 4 JSON tool calls (``{"name": ..., "parameters": {...}}``)."""

    name = "llama3_json"
    aliases = ("llama4_json",)
    start_markers = (PYTHON_TAG, "{")

    def extract(self, text: str) -> ParsedCompletion | None:
        think_end = text.rfind(THINK_END)
        origin = think_end + len(THINK_END) if think_end >= 0 else 0
        # Calls begin where vLLM 0.34's llama_json grammar lets them: an answer that opens with ``{``, or
        # after ``<|python_tag|>``; a brace in prose is text (``test_brace_in_plain_text_is_not_a_tool_call``)
        opening = origin
        while opening < len(text) and text[opening] in " \t\r\n":
            opening += 1
        if text.startswith("{", opening):
            tag, region = -1, opening
        else:
            tag = text.find(PYTHON_TAG, origin)
            if tag < 0:
                return None
            region = tag + len(PYTHON_TAG)
        calls, first = self._scan(text, region)
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, tag if tag >= 0 else first), tool_calls=calls)

    @staticmethod
    def _scan(text: str, pos: int) -> tuple[list[ToolCall], int]:
        """Every call object from ``pos`` on, and where the first one starts."""
        calls: list[ToolCall] = []
        first = -1
        n = len(text)
        budget = _FAILED_SCAN_BUDGET * n + _FAILED_SCAN_FLOOR
        doc = json_document(text)
        search = _OBJECT_START.search  # a brace that cannot start a call (prose, bait) costs nothing
        match = search(text, pos)
        while match is not None:
            pos = match.start()
            try:
                obj, end = scan_json(doc, pos)
            except JSON_ERRORS as error:
                budget -= _failure_cost(error, pos, n)
                if budget < 0:
                    break
                match = search(text, pos + 1)
                continue
            call = _call(obj)
            if call is not None:
                if first < 0:
                    first = pos
                calls.append(call)
            # a decoded object's interior is consumed, not searched (as in vLLM)
            match = search(text, end)
        return calls, first
