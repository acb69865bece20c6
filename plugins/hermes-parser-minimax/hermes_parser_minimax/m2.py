"""MiniMax-M2 / M2.1 tool calls: XML invokes in a ``<minimax:tool_call>`` block::

    <minimax:tool_call>
    <invoke name="get_weather">
    <parameter name="city">Seattle</parameter>
    <parameter name="days">5</parameter>
    </invoke>
    </minimax:tool_call>

Values are text, kept verbatim. As vLLM: ``null`` is null (``none`` and ``nil`` are text); a parameter the
request's tool schema types as non-string is converted by that type; any other value stays text (no
schema, no guessing). The scan is
``str.find`` from a moving position; a missing end tag stops it, so bait costs one pass.
"""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_argument_pairs,
    make_call_id,
)
from hermes_core.parsing_partial import ended_calls_view
from hermes_core.parsing_scan import read_parameters, schema_typed
from hermes_core.parsing_start import THINK_END, calls_start
from hermes_core.parsing_values import schema_types

BLOCK = "<minimax:tool_call>"
BLOCK_END = "</minimax:tool_call>"
INVOKE = "<invoke name="
INVOKE_END = "</invoke>"
PARAMETER = "<parameter name="
PARAMETER_END = "</parameter>"


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        return name[1:-1]
    return name


def typed_value(raw: str, spec: Any) -> Any:
    """A value as vLLM 0.34 reads it: verbatim, whitespace included (``TestParameterWhitespace``); ``null``
    is null but ``none``/``nil`` stay text (``test_none_string_preserved_in_enum``,
    ``test_none_string_preserved_plain_string``, ``test_nil_string_preserved``, vLLM issue #39567); a
    non-string schema type converts the stripped text."""
    value = raw.strip()
    if value.lower() == "null":
        return None
    types = schema_types(spec)
    if types and "string" not in types:
        return schema_typed(value, spec)
    return raw


def _invoke_named(text: str, pos: int) -> bool:
    """An ``<invoke name=...>`` tag complete before the next ``</think>``: the call began."""
    stop = text.find(THINK_END, pos)
    stop = len(text) if stop < 0 else stop
    invoke = text.find(INVOKE, pos, stop)
    return invoke >= 0 and text.find(">", invoke + len(INVOKE), stop) >= 0


class MinimaxM2Parser(ToolCallParser):
    """MiniMax-M2 and M2.1.

    Streams parameter by parameter: an invoke counts once its ``<invoke name=...>`` tag is written and
    keeps each parameter that ended (its ``</parameter>`` or the next ``<parameter``), whatever follows;
    an invoke not closed (cut off by the end of the text or of its block) keeps those. That is vLLM
    0.34's MiniMax-M2 engine (``_minimax_m2_parse_args(raw, partial=False)``; its ``finish()`` ends an
    open call), and it makes ``parse()`` of any prefix the certain part of the calls
    (:func:`~hermes_core.parsing_partial.ended_calls_view`). A key written twice keeps both, in order
    (decoded, the last value wins).
    """

    name = "minimax_m2"
    aliases = ("minimax-m2", "minimax_m2_1", "minimax-m2.1")
    start_markers = (BLOCK,)
    call_end_markers = (INVOKE_END,)

    def partial_calls(self, text: str, pos: int):
        return ended_calls_view(text, pos, self.extract, self._may_send)

    @staticmethod
    def _may_send(text: str) -> bool:
        """False with no call yet, or only calls quoted in reasoning that a later one may void."""
        return calls_start(text, (BLOCK,), lambda at: _invoke_named(text, at)) >= 0

    def extract(
        self, text: str, starts: list[int] | None = None, ends: list[int] | None = None
    ) -> ParsedCompletion | None:
        first = calls_start(text, (BLOCK,), lambda at: _invoke_named(text, at), fallback=True)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            body = pos + len(BLOCK)
            stop = text.find(BLOCK_END, body)
            if stop < 0:
                self._invokes(text, body, len(text), calls, starts, ends)  # not closed: its invokes so far
                break
            self._invokes(text, body, stop, calls, starts, ends)
            pos = text.find(BLOCK, stop + len(BLOCK_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _invokes(
        self,
        text: str,
        pos: int,
        stop: int,
        calls: list[ToolCall],
        starts: list[int] | None,
        ends: list[int] | None = None,
    ) -> None:
        find = text.find
        while True:
            start = find(INVOKE, pos, stop)
            if start < 0:
                return
            end = find(INVOKE_END, start, stop)
            invoke_end = end if end >= 0 else stop  # not closed: it runs to the block's (or text's) end
            head = start + len(INVOKE)
            name_end = find(">", head, invoke_end)
            if name_end >= 0:
                name = _unquote(text[head:name_end])
                if name:
                    arguments = self._parameters(text, name_end + 1, invoke_end, name)
                    calls.append(ToolCall(make_call_id(), FunctionCall(name, arguments)))
                    if starts is not None:
                        starts.append(start)
                    if ends is not None:
                        ends.append(end + len(INVOKE_END) if end >= 0 else -1)
            if end < 0:
                return
            pos = end + len(INVOKE_END)

    def _parameters(self, text: str, pos: int, stop: int, name: str) -> str:
        """The encoded arguments: a value ends at ``</parameter>`` or, that missing, at the next
        ``<parameter name=`` (vLLM's ``_PARAM_RE``); one that has not ended is left out (cut off)."""
        properties = self.tool_schema(name) if self.tools else {}
        pairs = read_parameters(
            text,
            pos,
            stop,
            properties,
            open_tag=PARAMETER,
            close_tag=PARAMETER_END,
            key=_unquote,
            value=typed_value,
            open_ends_value=True,
        )
        return encode_argument_pairs(pairs)
