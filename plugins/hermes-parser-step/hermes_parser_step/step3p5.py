"""Step-3.5 tool calls: qwen3_coder-style XML::

    <tool_call>
    <function=get_weather>
    <parameter=city>Paris</parameter>
    </function>
    </tool_call>

As vLLM: a ``<tool_call>`` block counts only when closed; a bare ``<function=...>...</function>`` outside
any block is a call too; a block whose functions do not parse stays content; the content is all the text
that is not a call (text between two calls only when it is not blank); ``null`` is null; a parameter the
request's tool schema types is converted by that type, any other value stays text; one newline around a
value is dropped. Each marker kind's next position is remembered while it lies ahead: one pass on bait.
"""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    encode_arguments,
    make_call_id,
)
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
    """StepFun Step-3.5 (Flash)."""

    name = "step3p5"
    aliases = ("step3.5", "step-3.5", "stepfun")
    start_markers = (TOOL_CALL, FUNCTION)

    def extract(self, text: str) -> ParsedCompletion | None:
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
                if end < 0:
                    content.append(text[block:])  # not closed: content, as vLLM
                    break
                found = self._functions(text, block + len(TOOL_CALL), end, next_function_end)
                stop = end + len(TOOL_CALL_END)
            else:
                end = next_function_end(bare)
                if end < 0:
                    content.append(text[bare:])
                    break
                found = self._functions(text, bare, end + len(FUNCTION_END), next_function_end)
                stop = end + len(FUNCTION_END)
                rest = stop
                while rest < n and text[rest] in " \t\r\n":
                    rest += 1
                if text.startswith(TOOL_CALL_END, rest):  # vLLM wraps a bare function, eating this end tag
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

    def _functions(self, text: str, pos: int, stop: int, next_function_end: NextFinder) -> list[ToolCall]:
        found: list[ToolCall] = []
        find = text.find
        while True:
            start = find(FUNCTION, pos, stop)
            if start < 0:
                return found
            end = next_function_end(start)
            if end < 0 or end >= stop:
                return []  # an unclosed function: vLLM rejects the whole block
            head = start + len(FUNCTION)
            name_end = find(">", head, end)
            name = _unquote(text[head:name_end]) if name_end >= 0 else ""
            if not name:
                return []
            arguments = self._parameters(text, name_end + 1, end, name)
            found.append(ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments))))
            pos = end + len(FUNCTION_END)

    def _parameters(self, text: str, pos: int, stop: int, name: str) -> dict[str, Any]:
        properties = self.tool_schema(name) if self.tools else {}
        # a missing </parameter> ends at the next <parameter= instead of swallowing it (vLLM's
        # test_step3p5_tool_parser.py ``test_extract_tool_calls_missing_closing_parameter_tag``)
        return read_parameters(
            text,
            pos,
            stop,
            properties,
            open_tag=PARAMETER,
            close_tag=PARAMETER_END,
            key=str.strip,
            open_ends_value=True,
        )
