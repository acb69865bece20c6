"""Llama 3.x / 4 JSON tool calls: the completion *is* the call(s).

Llama 3.1+ (JSON tool-calling template) answers a tool turn with bare JSON objects, sometimes after
``<|python_tag|>``, several separated by ``;``::

    {"name": "get_weather", "parameters": {"city": "Paris"}}; {"name": "get_time", "parameters": {}}

As in vLLM's ``Llama3JsonToolParser`` a completion counts as calls only when, after an optional reasoning
block, it starts with such an object and holds nothing but call objects: JSON quoted inside prose, or an
object without ``name`` and ``parameters``/``arguments``, leaves the whole text as content. After an
explicit ``<|python_tag|>`` the text before the tag is content and trailing text after the calls is
tolerated. Objects are read with ``JSONDecoder.raw_decode`` on the original string, no regex.
"""

from __future__ import annotations

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
from hermes_core.parsing_tags import (
    JSON_ERRORS,
    THINK_END,
    first_marker,
    scan_json,
)

PYTHON_TAG = "<|python_tag|>"
# end-of-turn / end-of-message tokens of Llama 3 and Llama 4, present when special tokens are not skipped
END_TOKENS = ("<|eom_id|>", "<|eot_id|>", "<|eom|>", "<|eot|>", PYTHON_TAG)

_SEPARATORS = frozenset(" \t\r\n;,")


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


class Llama3JsonParser(ToolCallParser):
    """Llama 3.1 / 3.2 / 3.3 and Llama 4 JSON tool calls (``{"name": ..., "parameters": {...}}``)."""

    name = "llama3_json"
    aliases = ("llama4_json",)
    start_markers = (PYTHON_TAG, "{")

    def extract(self, text: str) -> ParsedCompletion | None:
        tag = first_marker(text, PYTHON_TAG)
        if tag >= 0:
            start = tag
            pos = tag + len(PYTHON_TAG)
        else:  # untagged: the text (after any reasoning) must begin with the call
            think_end = text.rfind(THINK_END)
            start = think_end + len(THINK_END) if think_end >= 0 else 0
            n = len(text)
            while start < n and text[start] in " \t\r\n":
                start += 1
            if not text.startswith("{", start):
                return None
            pos = start
        calls, clean = self._scan(text, pos)
        if not calls or (tag < 0 and not clean):
            return None
        return ParsedCompletion(content=content_before(text, start), tool_calls=calls)

    @staticmethod
    def _scan(text: str, pos: int) -> tuple[list[ToolCall], bool]:
        """The calls from ``pos`` on, and whether nothing but calls (or a cut-off last one) followed."""
        calls: list[ToolCall] = []
        n = len(text)
        while True:
            while pos < n:
                ch = text[pos]
                if ch in _SEPARATORS:
                    pos += 1
                elif ch == "<" and text.startswith(END_TOKENS, pos):
                    pos = text.index("|>", pos) + 2
                else:
                    break
            if pos >= n:
                return calls, True
            if text[pos] != "{":
                return calls, False  # prose after the JSON: the text is not (only) a call
            try:
                obj, pos = scan_json(text, pos)
            except JSON_ERRORS:
                # truncated last object: keep the complete calls before it (vLLM drops them all)
                return calls, True
            call = _call(obj)
            if call is None:
                return calls, False
            calls.append(call)
