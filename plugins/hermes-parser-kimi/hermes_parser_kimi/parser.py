"""Kimi-K2 tool calls::

    <|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>
    {"city": "Beijing"}<|tool_call_end|>...<|tool_calls_section_end|>

The id the model writes (``functions.NAME:IDX``, IDX counting calls over the whole conversation) is kept
as the call id: K2's chat template renders tool results by it. The name is the id without the
``functions.`` prefix and the ``:IDX`` suffix; a block whose id lacks ``:IDX`` is not a call (as in vLLM
and hermes-agent). Blocks are found with ``str.find``, not a regex, and where the next marker of each kind
is remembered while it lies ahead, so bait without end markers is read in one pass.
"""

from __future__ import annotations

import json

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_scan import NextFinder
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


def has_index(call_id: str) -> bool:
    """``functions.NAME:IDX`` with IDX all digits (vLLM's ``[^<]+:\\d+``)."""
    colon = call_id.rfind(":")
    return colon > 0 and call_id[colon + 1 :].isdigit()


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
    call_end_markers = (CALL_END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        first = -1
        for marker in self.start_markers:  # the section marker, else a bare call block
            first = first_marker(text, marker)
            if first >= 0:
                break
        calls: list[ToolCall] = []
        seen: set[str] = set()
        n = len(text)
        next_begin = NextFinder(text, CALL_BEGIN)
        next_argument = NextFinder(text, ARGUMENT_BEGIN)
        next_end = NextFinder(text, CALL_END)
        next_section_ends = (NextFinder(text, SECTION_END), NextFinder(text, SECTION_END_SINGULAR))
        pos = next_begin(first)
        while pos >= 0:
            start = pos + len(CALL_BEGIN)
            nxt = next_begin(start)
            arg = next_argument(start)
            if arg < 0 or 0 <= nxt < arg:
                pos = nxt
                continue
            end = next_end(arg)
            closed = end >= 0 and (nxt < 0 or end < nxt)
            if not closed:  # cut off: the arguments run to the next call, the section end or the text end
                stops = [i for i in (nxt, *(f(arg) for f in next_section_ends)) if i >= 0]
                end = min(stops) if stops else n
            call = self._call(text[start:arg].strip(), text, arg + len(ARGUMENT_BEGIN), end, closed, seen)
            if call is not None:
                calls.append(call)
            pos = nxt
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _call(
        self, call_id: str, text: str, start: int, end: int, closed: bool, seen: set[str]
    ) -> ToolCall | None:
        bare_counter = call_id.isdigit()
        if not bare_counter and not has_index(call_id):
            return None
        raw_arguments = text[start:end].strip()
        name = self._name_for_counter(raw_arguments) if bare_counter else name_from_id(call_id)
        if not name or not _BAD_NAME_CHARS.isdisjoint(name):
            return None
        if not raw_arguments and not closed:
            return None  # cut off right after the argument marker
        if raw_arguments:
            try:
                value, stop = scan_json(raw_arguments, 0)
            except JSON_ERRORS:
                return None  # malformed or cut-off arguments
            if stop != len(raw_arguments):
                return None
            arguments = encode_arguments(value)
        else:
            arguments = "{}"
        if call_id in seen:  # a model repeating an index: ids must stay unique within a completion
            call_id = make_call_id()
        seen.add(call_id)
        return ToolCall(id=call_id, function=FunctionCall(name=name, arguments=arguments))

    def _name_for_counter(self, raw_arguments: str) -> str | None:
        """A bare counter id (``0``) names no tool: as vLLM, the request's only tool, or the one tool
        whose parameters hold every argument; ``None`` without tools or when ambiguous."""
        names = [name for name in (_tool_name(t) for t in self.tools) if name]
        if len(names) == 1:
            return names[0]
        try:
            arguments = json.loads(raw_arguments) if raw_arguments else {}
        except (ValueError, RecursionError):
            return None
        if type(arguments) is not dict:
            return None
        fits = [name for name in names if set(arguments) <= set(self.tool_schema(name))]
        return fits[0] if len(fits) == 1 else None


def _tool_name(tool: object) -> str | None:
    function = tool.get("function", tool) if isinstance(tool, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else None
