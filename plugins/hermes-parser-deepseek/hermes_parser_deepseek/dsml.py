"""DeepSeek-V3.2 and V4 tool calls: DSML, an XML dialect with full-width bars::

    <｜DSML｜function_calls>
    <｜DSML｜invoke name="get_weather">
    <｜DSML｜parameter name="location" string="true">杭州</｜DSML｜parameter>
    <｜DSML｜parameter name="days" string="false">3</｜DSML｜parameter>
    </｜DSML｜invoke>
    </｜DSML｜function_calls>

V4 wraps the same invokes in ``<｜DSML｜tool_calls>``. ``string="true"`` marks a value as text,
``string="false"`` as JSON; when the request has tools, values are typed by the tool's schema either way
(vLLM's schema-aware type fixer). Everything is found with ``str.find`` from a moving position, and the
end tags' positions are remembered, so bait without end tags costs one pass, not one pass per marker.

Streaming (:func:`~hermes_core.parsing_partial.open_calls_view`): ``parse()`` of a cut-off text keeps the
last invoke with its complete parameters (a cut-off parameter left out, as vLLM's non-streaming
``_parse_invoke_params`` reads only closed ones), so the name goes out once the invoke tag closes and each
parameter, typed, once it closes. An invoke cut off by max_tokens or by its block's end is kept that way
(it used to be dropped): vLLM's streaming sends its name too. A parameter written twice keeps both in the
arguments text (decoded: vLLM's dict, the last value), so nothing sent is taken back.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hermes_core.parsing import (
    LONG_TEXT,
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_argument_pairs,
    encode_arguments,
    encode_long_arguments,
    make_call_id,
)
from hermes_core.parsing_partial import PartialCall, open_calls_view
from hermes_core.parsing_scan import NextFinder, find_anchored
from hermes_core.parsing_start import calls_start
from hermes_core.parsing_values import convert_value, schema_types

BAR = "｜"
DSML = f"{BAR}DSML{BAR}"
INVOKE = f"<{DSML}invoke"
INVOKE_END = f"</{DSML}invoke>"
PARAMETER = f"<{DSML}parameter"
PARAMETER_END = f"</{DSML}parameter>"
_INVOKE_HEAD = re.compile(r'\s+name="([^"]+)"\s*>')
_ANY_INVOKE_HEAD = re.compile(re.escape(INVOKE) + r'\s+name="[^"]+"\s*/?>')
_SELF_CLOSING = re.compile(r'\s+name="([^"]+)"\s*/>')  # a zero-argument invoke: <｜DSML｜invoke name="f"/>
FENCE = "```"
_PARAMETER_HEAD = re.compile(r'\s+name="([^"]+)"\s+string="(true|false)"\s*>')
_WRAPPERS = ("arguments", "input")
_STRING_TYPES = frozenset({"string", "str", "text", "varchar", "char", "enum"})


def _allows_null(spec: Any) -> bool:
    if not isinstance(spec, dict):
        return False
    kind = spec.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if isinstance(spec.get("enum"), list) and None in spec["enum"]:
        return True
    return any(_allows_null(sub) for key in ("anyOf", "oneOf") for sub in spec.get(key) or ())


def typed_value(raw: str, is_string: bool, spec: Any) -> Any:
    """One parameter value: by the schema when there is one, else text (``string="true"``) or JSON."""
    types = schema_types(spec)
    if not types:
        return raw if is_string else convert_value(raw, None)
    stripped = raw.strip()  # (no lower() of a long value: only four characters can read "null")
    is_null = len(stripped) == 4 and stripped.lower() == "null"
    if is_null and not _allows_null(spec) and not _STRING_TYPES.isdisjoint(types):
        return raw  # vLLM: "null" for a string-only parameter stays the text "null"
    return convert_value(raw, types)


def _unwrap(arguments: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """vLLM's repair: a lone ``arguments`` / ``input`` parameter the schema lacks, holding the object."""
    if len(arguments) != 1:
        return arguments
    for wrapper in _WRAPPERS:
        if wrapper not in arguments or wrapper in properties:
            continue
        inner = arguments[wrapper]
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except (ValueError, RecursionError):
                return arguments
        if isinstance(inner, dict) and set(inner) <= set(properties):
            return inner
    return arguments


_find_in = str.find


def _find_tag(text: str, tag: str, pos: int, stop: int) -> int:
    """``text.find(tag, pos, stop)``, fast past a long value: the tag's rarest character is searched for."""
    return find_anchored(text, tag, pos, BAR, stop)


def _fence_marks(text: str) -> list[int]:
    """Where each ````` fence mark starts (one pass), to tell a quoted DSML example from a call.

    Most texts hold no backtick: one single-character scan (memchr-fast) says so, where a search for
    the three-character mark costs ~4x more on a long text."""
    tick = text.find("`")
    if tick < 0:
        return []
    marks, pos = [], text.find(FENCE, tick)
    while pos >= 0:
        marks.append(pos)
        pos = text.find(FENCE, pos + len(FENCE))
    return marks


def _fenced(marks: list[int], index: int) -> bool:
    return bisect_left(marks, index) % 2 == 1


@dataclass(slots=True)
class _Trace:
    """Where each call read begins (for :func:`open_calls_view`) and whether its arguments are a lone
    wrapper parameter (the repair may still unwrap them)."""

    starts: list[int] = field(default_factory=list)
    lone_wrapper: list[bool] = field(default_factory=list)

    def add(self, start: int, lone_wrapper: bool) -> None:
        self.starts.append(start)
        self.lone_wrapper.append(lone_wrapper)


class _NoTrace(_Trace):
    """For a whole-text parse, which needs no trace: shared, it keeps nothing."""

    def add(self, start: int, lone_wrapper: bool) -> None:
        pass


_NO_TRACE = _NoTrace()


class DsmlParser(ToolCallParser):
    """Calls in ``<｜DSML｜{block}>`` blocks; subclasses name the block."""

    block: ClassVar[str] = "function_calls"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.start_markers = (f"<{DSML}{cls.block}>",)

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """The name once its invoke tag closes, each parameter once it closes (module docstring)."""
        return open_calls_view(text, pos, self._read_with_starts)

    def _read_with_starts(self, text: str) -> tuple[ParsedCompletion | None, list[int]]:
        trace = _Trace()
        parsed = self.extract(text, trace)
        if parsed is not None and trace.lone_wrapper[-1:] == [True]:
            # one wrapper parameter so far: unwrapped if no other follows, so nothing of it can go out yet
            parsed.tool_calls[-1].function.arguments = "{}"
        return parsed, trace.starts

    def extract(self, text: str, trace: _Trace | None = None) -> ParsedCompletion | None:
        start_tag = self.start_markers[0]
        end_tag = f"</{DSML}{self.block}>"
        # DSML quoted in a ``` code fence is an example, not a call (SGLang's DeepSeekV4Detector masks
        # code literals before looking for invokes)
        marks = _fence_marks(text)
        n = len(text)
        block_end = NextFinder(text, end_tag)

        def begins_call(marker: int) -> bool:  # an invoke head is written in the block opening here
            first_invoke = text.find(INVOKE, marker)
            if first_invoke < 0:
                return False
            if _ANY_INVOKE_HEAD.match(text, first_invoke) is not None:  # the usual case, at once
                return text.find(end_tag, marker, first_invoke) < 0
            stop = text.find(end_tag, marker)
            return _ANY_INVOKE_HEAD.search(text, marker, stop if stop >= 0 else n) is not None

        first = calls_start(text, (start_tag,), begins_call, (lambda i: _fenced(marks, i)) if marks else None)
        if first < 0:
            return None
        invoke_end = NextFinder(text, INVOKE_END)
        calls: list[ToolCall] = []
        trace = _NO_TRACE if trace is None else trace
        pos = first
        while pos >= 0:
            body = pos + len(start_tag)
            stop = block_end(body)
            if stop < 0:
                stop = n  # not closed: the invokes written so far still count
            self._invokes(text, body, stop, invoke_end, calls, trace)
            pos = text.find(start_tag, stop)
            while pos >= 0 and marks and _fenced(marks, pos):
                pos = text.find(start_tag, pos + 1)
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _invokes(
        self, text: str, pos: int, stop: int, invoke_end: NextFinder, calls: list[ToolCall], trace: _Trace
    ) -> None:
        find = text.find
        while True:
            start = find(INVOKE, pos, stop)
            if start < 0:
                return
            closed = _SELF_CLOSING.match(text, start + len(INVOKE), stop)
            if closed is not None:  # SGLang's test_self_closing_zero_arg_invoke
                calls.append(ToolCall(make_call_id(), FunctionCall(closed.group(1), "{}")))
                trace.add(start, False)
                pos = closed.end()
                continue
            end = invoke_end(start)
            cut = end < 0 or end > stop  # by max_tokens or by the block's end: its whole parameters count
            if cut:
                end = stop
            head = _INVOKE_HEAD.match(text, start + len(INVOKE), end)
            if head is not None:
                name = head.group(1)
                arguments, lone_wrapper = self._arguments(text, head.end(), end, name)
                calls.append(ToolCall(make_call_id(), FunctionCall(name, arguments)))
                trace.add(start, lone_wrapper)
            if cut:
                return
            pos = end + len(INVOKE_END)

    def _arguments(self, text: str, pos: int, stop: int, name: str) -> tuple[str, bool]:
        """The encoded arguments, and whether they are one wrapper parameter the schema lacks."""
        properties = self.tool_schema(name) if self.tools else {}
        arguments: dict[str, Any] = {}
        pairs: list[tuple[str, Any]] | None = None  # when a name is written twice
        find = text.find
        long = stop - pos >= LONG_TEXT  # else no value can be long: the plain search and encoder are cheaper
        find_end = _find_tag if long else _find_in
        while True:
            start = find(PARAMETER, pos, stop)
            if start < 0:
                break
            head = _PARAMETER_HEAD.match(text, start + len(PARAMETER), stop)
            if head is None:
                pos = start + len(PARAMETER)
                continue
            end = find_end(text, PARAMETER_END, head.end(), stop)
            if end < 0:
                break
            key = head.group(1)
            value = typed_value(text[head.end() : end], head.group(2) == "true", properties.get(key))
            if pairs is not None or key in arguments:
                pairs = pairs if pairs is not None else list(arguments.items())
                pairs.append((key, value))
            arguments[key] = value
            pos = end + len(PARAMETER_END)
        if pairs is not None:
            return encode_argument_pairs(pairs), False
        encode = encode_long_arguments if long else encode_arguments
        if not properties:
            return encode(arguments), False
        lone_wrapper = len(arguments) == 1 and any(w in arguments and w not in properties for w in _WRAPPERS)
        return encode(_unwrap(arguments, properties)), lone_wrapper


class DeepSeekV32Parser(DsmlParser):
    """DeepSeek-V3.2 (and V3.2-Exp, Speciale): ``<｜DSML｜function_calls>`` blocks."""

    name = "deepseek_v32"
    aliases = ("deepseek_v3_2", "deepseek-v3.2")
    block = "function_calls"


class DeepSeekV4Parser(DsmlParser):
    """DeepSeek-V4: the V3.2 grammar in ``<｜DSML｜tool_calls>`` blocks."""

    name = "deepseek_v4"
    aliases = ("deepseek-v4",)
    block = "tool_calls"
