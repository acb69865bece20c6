"""Step-3.5 tool calls: qwen3_coder-style XML::

    <tool_call>
    <function=get_weather>
    <parameter=city>Paris</parameter>
    </function>
    </tool_call>

As vLLM: a bare ``<function=...>...</function>`` outside any block is a call too; a block without a
function that parses stays content; the content is all the text that is not a call (text between two
calls only when it is not blank); ``null`` is null; a parameter the request's tool schema types is
converted by that type, any other value stays text; one newline around a value is dropped.
Each marker kind's next position is remembered while it lies ahead: one pass on bait.
"""

from __future__ import annotations

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    encode_argument_pairs,
    make_call_id,
)
from hermes_core.parsing_partial import ended_calls_view
from hermes_core.parsing_scan import NextFinder, read_parameters

TOOL_CALL = "<tool_call>"
TOOL_CALL_END = "</tool_call>"
FUNCTION = "<function="
FUNCTION_END = "</function>"
PARAMETER = "<parameter="
PARAMETER_END = "</parameter>"


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        name = name[1:-1].strip()
    return name


class Step3p5Parser(ToolCallParser):
    """StepFun Step-3.5 (Flash).

    Streams parameter by parameter: a function counts once ``<function=NAME>`` is written and keeps each
    parameter that ended, whatever follows; a function or block not closed (cut off by the end of the
    text, or a block closed first) keeps its whole parameters, a nameless function is skipped. That is
    vLLM 0.34's Step-3.5 engine (qwen3 grammar, ``_qwen3_arg_converter(raw, partial=False)``; its
    ``finish()`` ends an open call), and it makes ``parse()`` of any prefix the certain part of the calls
    (:func:`~hermes_core.parsing_partial.ended_calls_view`).
    """

    name = "step3p5"
    aliases = ("step3.5", "step-3.5", "stepfun")
    start_markers = (TOOL_CALL, FUNCTION)
    call_end_markers = (FUNCTION_END,)

    def partial_calls(self, text: str, pos: int):
        return ended_calls_view(text, pos, self.extract)

    def extract(
        self, text: str, starts: list[int] | None = None, ends: list[int] | None = None
    ) -> ParsedCompletion | None:
        next_block, next_function = NextFinder(text, TOOL_CALL), NextFinder(text, FUNCTION)
        next_block_end, next_function_end = NextFinder(text, TOOL_CALL_END), NextFinder(text, FUNCTION_END)
        calls: list[ToolCall] = []
        content: list[str] = []
        pos = 0
        after_call = False
        n = len(text)
        while pos < n:
            block, bare = next_block(pos), next_function(pos)
            start = min(i for i in (block, bare, n) if i >= 0)
            if start == n:
                content.append(text[pos:])
                break
            gap = text[pos:start]
            if not (after_call and not gap.strip()):
                content.append(gap)
            if start == block:
                end = next_block_end(block + len(TOOL_CALL))
                body_end = end if end >= 0 else n  # not closed: its functions so far
                found = self._functions(
                    text, block + len(TOOL_CALL), body_end, next_function_end, starts, ends
                )
                stop = end + len(TOOL_CALL_END) if end >= 0 else n
            else:
                end = next_function_end(bare)
                stop = end + len(FUNCTION_END) if end >= 0 else n
                found = self._functions(text, bare, stop, next_function_end, starts, ends)
                rest = stop
                while rest < n and text[rest] in " \t\r\n":
                    rest += 1
                if end >= 0 and text.startswith(TOOL_CALL_END, rest):  # vLLM wraps a bare function
                    stop = rest + len(TOOL_CALL_END)
            if found:
                calls.extend(found)
                after_call = True
            else:
                content.append(text[start:stop])
                after_call = False
            pos = stop
        if not calls:
            return None
        joined = "".join(content).rstrip()
        return ParsedCompletion(content=joined if joined.strip() else None, tool_calls=calls)

    def _functions(
        self,
        text: str,
        pos: int,
        stop: int,
        next_function_end: NextFinder,
        starts: list[int] | None,
        ends: list[int] | None = None,
    ) -> list[ToolCall]:
        found: list[ToolCall] = []
        find = text.find
        while True:
            start = find(FUNCTION, pos, stop)
            if start < 0:
                return found
            end = next_function_end(start)
            closed = 0 <= end < stop
            function_end = end if closed else stop  # not closed: it runs to the block's (or text's) end
            head = start + len(FUNCTION)
            name_end = find(">", head, function_end)
            name = _unquote(text[head:name_end]) if name_end >= 0 else ""
            if name:  # a nameless function is skipped
                arguments = self._parameters(text, name_end + 1, function_end, name)
                found.append(ToolCall(make_call_id(), FunctionCall(name, arguments)))
                if starts is not None:
                    starts.append(start)
                if ends is not None:
                    ends.append(end + len(FUNCTION_END) if closed else -1)
            if not closed:
                return found
            pos = end + len(FUNCTION_END)

    def _parameters(self, text: str, pos: int, stop: int, name: str) -> str:
        """The encoded arguments. A missing ``</parameter>`` ends at the next ``<parameter=`` instead of
        swallowing it (vLLM's test_step3p5_tool_parser.py
        ``test_extract_tool_calls_missing_closing_parameter_tag``); a parameter that has not ended is left
        out (cut off); a key written twice keeps both, in order (decoded, the last value wins)."""
        properties = self.tool_schema(name) if self.tools else {}
        pairs = read_parameters(
            text,
            pos,
            stop,
            properties,
            open_tag=PARAMETER,
            close_tag=PARAMETER_END,
            key=str.strip,
            open_ends_value=True,
        )
        return encode_argument_pairs(pairs)
