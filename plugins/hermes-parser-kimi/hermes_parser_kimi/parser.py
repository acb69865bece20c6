"""Kimi-K2 tool calls::

    <|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>
    {"city": "Beijing"}<|tool_call_end|>...<|tool_calls_section_end|>

The id the model writes (``functions.NAME:IDX``, IDX counting calls over the whole conversation) is kept
as the call id: K2's chat template renders tool results by it. The name is the id without the
``functions.`` prefix and the ``:IDX`` suffix; a block whose id lacks ``:IDX`` is not a call (as in vLLM
and hermes-agent). Blocks are found with ``str.find``, not a regex, and where the next marker of each kind
is remembered while it lies ahead, so bait without end markers is read in one pass.

Streaming: a call whose id names its tool and whose arguments object has begun
(``...:0<|tool_call_argument_begin|>{``) is a call for good, its arguments kept as the model wrote them
(:func:`~hermes_core.parsing_tags.head_arguments`), so its header goes out at once and its arguments as
they arrive, as vLLM's streaming does (its ``test_truncated_tool_call_no_end_marker``: name and partial
arguments of a call cut off by max_tokens). So a cut-off or broken arguments object keeps its call, closed
at its last commit point, where a whole-text read used to drop it.
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
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_scan import NextFinder
from hermes_core.parsing_start import calls_start
from hermes_core.parsing_tags import JSON_ERRORS, head_arguments, json_document, scan_json

SECTION_BEGIN = "<|tool_calls_section_begin|>"
SECTION_BEGIN_SINGULAR = "<|tool_call_section_begin|>"  # a variant K2 checkpoints also emit (vLLM accepts it)
SECTION_END = "<|tool_calls_section_end|>"
SECTION_END_SINGULAR = "<|tool_call_section_end|>"
CALL_BEGIN = "<|tool_call_begin|>"
ARGUMENT_BEGIN = "<|tool_call_argument_begin|>"
CALL_END = "<|tool_call_end|>"

_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}<>")
_WS = re.compile(r"\s*")


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

    def _first(self, text: str) -> int:
        """The section marker (either spelling) or a bare call block, whichever comes first."""

        def begins_call(marker: int) -> bool:  # its first block's arguments have begun, or it is closed
            start = text.find(CALL_BEGIN, marker)
            if start < 0:
                return False
            start += len(CALL_BEGIN)
            arg = text.find(ARGUMENT_BEGIN, start)
            if (
                arg >= 0
                and text.find(CALL_BEGIN, start, arg) < 0
                and self._head(text, start, arg) is not None
            ):
                return True
            nxt = text.find(CALL_BEGIN, start)
            end = text.find(CALL_END, start)
            return end >= 0 and (nxt < 0 or end < nxt)

        # the earliest of them: a stream may have sent a bare block's call before a section marker came
        return calls_start(text, self.start_markers, begins_call)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = self._first(text)
        if first < 0:
            return None
        calls, _ = self._calls(text, first, whole=True)
        return ParsedCompletion(content_before(text, first), calls) if calls else None

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """Each call from the moment its arguments object opens (see the module docstring)."""
        if text.rfind("<think>") > text.rfind("</think>"):
            return [], pos  # a call quoted while reasoning is not one: wait for the reasoning to end
        start = self._first(text) if pos < 0 else pos
        return self._calls(text, start, whole=False) if start >= 0 else ([], pos)

    def _head(self, text: str, start: int, arg: int) -> tuple[str, str, int] | None:
        """``(id, name, where the arguments object opens)`` when the id names the tool and the object has
        begun; a bare counter (``0``) names the request's only tool here (with several, the arguments do)."""
        brace = _WS.match(text, arg + len(ARGUMENT_BEGIN)).end()
        if not text.startswith("{", brace):
            return None
        call_id = text[start:arg].strip()
        if call_id.isdigit():
            names = [name for name in (_tool_name(t) for t in self.tools) if name]
            name = names[0] if len(names) == 1 else ""
        else:
            name = name_from_id(call_id) if has_index(call_id) else ""
        if not name or not _BAD_NAME_CHARS.isdisjoint(name):
            return None
        return call_id, name, brace

    def _calls(self, text: str, pos: int, whole: bool) -> tuple[list[Any], int]:
        """The calls from ``pos`` on and where the last one that ended ends. ``whole``: the text is final
        (an unfinished block is read as it stands), the calls are ``ToolCall``s; else ``PartialCall``s,
        stopping at the first call not certain yet."""
        make = _tool_call if whole else PartialCall
        calls: list[PartialCall] = []
        seen: set[str] = set()
        n = len(text)
        doc = text  # a json_document once a scan has failed (valid completions never pay the copy)
        next_begin = NextFinder(text, CALL_BEGIN)
        next_argument = NextFinder(text, ARGUMENT_BEGIN)
        next_end = NextFinder(text, CALL_END)
        next_section_ends: tuple[NextFinder, ...] = ()
        resume = pos
        pos = next_begin(pos)
        while pos >= 0:
            start = pos + len(CALL_BEGIN)
            nxt = next_begin(start)
            arg = next_argument(start)
            if arg < 0 or 0 <= nxt < arg:
                if not whole and nxt < 0:
                    break  # the argument marker may still come
                pos = nxt
                continue
            head = self._head(text, start, arg)
            if head is not None:
                call_id, name, brace = head
                limit = next_end(brace) if whole and not text.isascii() else -1
                arguments, closure, end, ended = head_arguments(text, doc, brace, limit)
                if closure and doc is text:
                    doc = json_document(text)
                call_id = self._unique(call_id, seen, text, pos, whole)
                if not ended and not whole:
                    calls.append(PartialCall(name, arguments, id=call_id))
                    break
                calls.append(make(name, arguments + closure, True, end, call_id))
                resume, pos = end, next_begin(end)
                continue
            end = next_end(arg)
            closed = end >= 0 and (nxt < 0 or end < nxt)
            if not closed:  # cut off: the arguments run to the next call, the section end or the text end
                if not whole:
                    break
                next_section_ends = next_section_ends or tuple(
                    NextFinder(text, marker) for marker in (SECTION_END, SECTION_END_SINGULAR)
                )
                stops = [i for i in (nxt, *(f(arg) for f in next_section_ends)) if i >= 0]
                end = min(stops) if stops else n
            else:
                resume = end + len(CALL_END)
            call = self._call(text[start:arg].strip(), text, arg + len(ARGUMENT_BEGIN), end, closed)
            if call is not None:
                call_id = self._unique(call.id, seen, text, pos, whole)
                if whole:
                    call.id = call_id
                    calls.append(call)
                else:
                    calls.append(
                        PartialCall(call.function.name, call.function.arguments, True, resume, call_id)
                    )
            pos = nxt
        return calls, resume

    @staticmethod
    def _unique(call_id: str, seen: set[str], text: str, pos: int, whole: bool) -> str | None:
        """The model's id, unless it repeats one (ids must stay unique within a completion): then a fresh
        one. A stream (not ``whole``) reads from a later call on, so it checks the text before the call."""
        if call_id in seen or (not whole and text.rfind(call_id, 0, pos) >= 0):
            return make_call_id() if whole else None
        seen.add(call_id)
        return call_id

    def _call(self, call_id: str, text: str, start: int, end: int, closed: bool) -> ToolCall | None:
        """A call whose arguments are not an object being written (none, a JSON string), read whole."""
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


def _tool_call(name: str, arguments: str, closed: bool, end: int, call_id: str) -> ToolCall:
    return ToolCall(call_id, FunctionCall(name, arguments))


def _tool_name(tool: object) -> str | None:
    function = tool.get("function", tool) if isinstance(tool, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else None
