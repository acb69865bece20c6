"""Kimi-K2 tool calls::

    <|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>
    {"city": "Beijing"}<|tool_call_end|>...<|tool_calls_section_end|>

The id the model writes (``functions.NAME:IDX``, IDX counting calls over the whole conversation) is kept
as the call id: K2's chat template renders tool results by it. The name is the id without the
``functions.`` prefix and the ``:IDX`` suffix. Blocks are found with ``str.find``, not a regex.
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
from hermes_core.parsing_tags import (
    JSON_ERRORS,
    first_marker,
    scan_json,
)

SECTION_BEGIN = "<|tool_calls_section_begin|>"
SECTION_BEGIN_SINGULAR = "<|tool_call_section_begin|>"  # a variant K2 checkpoints also emit (vLLM accepts it)
SECTION_END = "<|tool_calls_section_end|>"
SECTION_END_SINGULAR = "<|tool_call_section_end|>"
CALL_BEGIN = "<|tool_call_begin|>"
ARGUMENT_BEGIN = "<|tool_call_argument_begin|>"
CALL_END = "<|tool_call_end|>"

_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}<>")


def name_from_id(call_id: str) -> str:
    """``functions.get_weather:0`` -> ``get_weather``; dots inside the tool's own name are kept."""
    name = call_id.removeprefix("functions.")
    colon = name.rfind(":")
    if colon > 0 and name[colon + 1 :].isdigit():
        name = name[:colon]
    return name


class KimiK2Parser(ToolCallParser):
    """Kimi-K2 (Instruct, 0905, Thinking) tool-call sections."""

    name = "kimi_k2"
    start_markers = (SECTION_BEGIN, SECTION_BEGIN_SINGULAR, CALL_BEGIN)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = -1
        for marker in self.start_markers:  # the section marker, else a bare call block
            first = first_marker(text, marker)
            if first >= 0:
                break
        calls: list[ToolCall] = []
        seen: set[str] = set()
        n = len(text)
        pos = text.find(CALL_BEGIN, first)
        while pos >= 0:
            start = pos + len(CALL_BEGIN)
            nxt = text.find(CALL_BEGIN, start)
            arg = text.find(ARGUMENT_BEGIN, start)
            if arg < 0 or 0 <= nxt < arg:
                pos = nxt
                continue
            end = text.find(CALL_END, arg)
            closed = end >= 0 and (nxt < 0 or end < nxt)
            if not closed:  # cut off: the arguments run to the next call, the section end or the text end
                stops = [
                    i
                    for i in (nxt, text.find(SECTION_END, arg), text.find(SECTION_END_SINGULAR, arg))
                    if i >= 0
                ]
                end = min(stops) if stops else n
            raw_arguments = text[arg + len(ARGUMENT_BEGIN) : end].strip()
            call = self._call(text[start:arg].strip(), raw_arguments, closed, seen)
            if call is not None:
                calls.append(call)
            pos = nxt
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    @staticmethod
    def _call(call_id: str, raw_arguments: str, closed: bool, seen: set[str]) -> ToolCall | None:
        name = name_from_id(call_id)
        if not name or not _BAD_NAME_CHARS.isdisjoint(name):
            return None
        if not raw_arguments and not closed:
            return None  # cut off right after the argument marker
        if raw_arguments:
            try:
                value, end = scan_json(raw_arguments, 0)
            except JSON_ERRORS:
                return None  # malformed or cut-off arguments
            if end != len(raw_arguments):
                return None
            arguments = encode_arguments(value)
        else:
            arguments = "{}"
        if call_id in seen:  # a model repeating an index: ids must stay unique within a completion
            call_id = make_call_id()
        seen.add(call_id)
        return ToolCall(id=call_id, function=FunctionCall(name=name, arguments=arguments))
