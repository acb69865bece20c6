"""InternLM2 / 2.5 tool calls: ``<|action_start|><|plugin|>{json}<|action_end|>``.

::

    Sure. <|action_start|><|plugin|>{"name": "get_weather", "parameters": {"city": "Oslo"}}<|action_end|>

As in vLLM's ``Internlm2ToolParser`` (after its whitelist fix), the object after the marker needs a
``name`` and takes ``parameters`` or ``arguments``; a name that is not among the request's tools is not
a call when tools are given; the text before the marker is the content. Unlike vLLM (one call, and a
``ValueError`` on a second marker), every block is read, and arguments that are not an object make the
block content (vLLM's shared malformed-input cases).
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
from hermes_core.parsing_tags import JSON_ERRORS, first_marker, json_document, scan_json

START = "<|action_start|><|plugin|>"
_OBJECT = re.compile(r'\{[ \t\r\n]*"')
END = "<|action_end|>"


class InternLMParser(ToolCallParser):
    """InternLM2 / InternLM2.5 ``<|plugin|>`` actions."""

    name = "internlm"
    aliases = ("internlm2",)
    start_markers = (START,)
    call_end_markers = (END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, START)
        if first < 0:
            return None
        allowed = (
            {t.get("function", t).get("name") for t in self.tools if isinstance(t, dict)}
            if self.tools
            else None
        )
        calls: list[ToolCall] = []
        n = len(text)
        doc = json_document(text)  # a failed scan's error is O(1), not O(position)
        budget = 4 * n + 4096  # characters failed decodes may walk (a too-deep one: all of them)
        end_at = obj_at = -1  # next END / next object start found so far (n: none): never re-scanned
        pos = first
        while pos >= 0 and budget >= 0:
            body = pos + len(START)
            if end_at < body:
                end_at = text.find(END, body)
                end_at = n if end_at < 0 else end_at
            if obj_at < body:
                match = _OBJECT.search(text, body)
                obj_at = n if match is None else match.start()
            after = body
            if obj_at < end_at:
                try:
                    obj, after = scan_json(doc, obj_at)
                except JSON_ERRORS as error:
                    walked = getattr(error, "pos", obj_at) - obj_at + 1  # StopIteration: nothing walked
                    budget -= n if isinstance(error, RecursionError) else walked
                    after = obj_at + 1
                else:
                    call = self._call(obj, allowed)
                    if call is not None:
                        calls.append(call)
            pos = text.find(START, after)
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    @staticmethod
    def _call(obj, allowed) -> ToolCall | None:
        if type(obj) is not dict:
            return None
        name = obj.get("name")
        if type(name) is not str or not name.strip() or (allowed is not None and name not in allowed):
            return None
        arguments = obj["parameters"] if "parameters" in obj else obj.get("arguments")
        if arguments is not None and type(arguments) is not dict:
            return None
        return ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments)))
