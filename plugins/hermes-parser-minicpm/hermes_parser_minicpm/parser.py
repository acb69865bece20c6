"""MiniCPM 5 (``minicpm5``): XML calls with named parameters::

    Let me look.
    <function name="get_weather"><param name="city">上海</param>
    <param name="date">2024-06-27</param></function>

A value may be wrapped in ``<![CDATA[...]]>`` (kept verbatim; other values are stripped). Byte-level
tokenizers may leave ``Ġ`` / ``Ċ`` for space / newline, or collapse ``<function name=`` into
``<functionname=``: call blocks are normalised before reading, as vLLM's ``MiniCPM5XMLToolParser`` does.

With the request's ``tools``, a call is checked as vLLM checks it: the function must be a tool,
parameters outside its schema are dropped, a repeated or unnamed parameter or a missing required one
voids the call, and ``{"properties": {...}}`` / ``{"arguments": {...}}`` wrappers are unwrapped. A value
the schema types ``string`` stays text; any other is decoded (JSON, then a Python literal, else text).
Without tools (where vLLM reads nothing) every well-formed call is kept, values decoded the same way.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hermes_core.parsing import (
    LONG_TEXT,
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    encode_long_arguments,
    make_call_id,
)
from hermes_core.parsing_values import convert_value

FUNCTION = "<function"
FUNCTION_END = "</function>"
PARAM = "<param"
PARAM_END = "</param>"
CDATA, CDATA_END = "<![CDATA[", "]]>"
# ``[^<>]`` runs stop at the next tag, so a match never reads past it (no quadratic rescans).
_FUNCTION_OPEN = re.compile(r"""<function\s+name=['"]([^'"<>]+)['"][^<>]*>""")
_PARAM_OPEN = re.compile(r"""<param(?:\s+name=['"]([^'"<>]*)['"])?[^<>]*>""")
_WRAPPERS = ("properties", "arguments")


def normalize(block: str) -> str:
    """Undo byte-level tokenizer artefacts (``Ġ``, ``Ċ``) and collapsed ``<functionname=`` tags."""
    if (
        "<functionname=" in block
        or "<paramname=" in block
        or (not block.isascii() and ("\u0120" in block or "\u010a" in block))  # isascii: no scan
    ):
        block = block.replace("\u0120", " ").replace("\u010a", "\n")
        block = block.replace("<functionname=", "<function name=").replace("<paramname=", "<param name=")
    return block


class _Tool:
    """What the request says about one tool: its parameters, the required ones, the string-typed ones."""

    __slots__ = ("properties", "required", "strings")

    def __init__(self, parameters: Any) -> None:
        parameters = parameters if isinstance(parameters, dict) else {}
        properties = parameters.get("properties")
        self.properties = properties if isinstance(properties, dict) else {}
        required = parameters.get("required")
        self.required = {r for r in required if isinstance(r, str)} if isinstance(required, list) else set()
        self.strings = {
            k for k, v in self.properties.items() if isinstance(v, dict) and v.get("type") == "string"
        }


class MiniCPM5Parser(ToolCallParser):
    """``<function name="NAME"><param name="KEY">VALUE</param>...</function>``."""

    name = "minicpm5"
    aliases = ("minicpm5_xml",)
    start_markers = (FUNCTION,)
    call_end_markers = (FUNCTION_END,)  # a call that ended is sent at once when streaming

    def __init__(self, tools: list[dict[str, Any]] | None = None) -> None:
        super().__init__(tools)
        self._tools: dict[str, _Tool] = {}
        for tool in self.tools:
            function = tool.get("function", tool) if isinstance(tool, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                self._tools.setdefault(function["name"], _Tool(function.get("parameters")))

    def extract(self, text: str) -> ParsedCompletion | None:
        first = text.find(FUNCTION)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        start = first
        while start >= 0:
            end = text.find(FUNCTION_END, start)
            if end < 0:
                break  # unclosed: not a call, and no later block can close either
            call = self._call(normalize(text[start : end + len(FUNCTION_END)]))
            if call is not None:
                calls.append(call)
            start = text.find(FUNCTION, end + len(FUNCTION_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _call(self, block: str) -> ToolCall | None:
        opening = _FUNCTION_OPEN.match(block)
        if opening is None:
            return None
        name = opening.group(1).strip()
        tool = self._tools.get(name) if self._tools else None
        if not name or (self._tools and tool is None):
            return None
        arguments: dict[str, Any] = {}
        pos = block.find(PARAM, opening.end())
        while pos >= 0:
            param = _PARAM_OPEN.match(block, pos)
            if param is None:
                pos = block.find(PARAM, pos + len(PARAM))
                continue
            key = (param.group(1) or "").strip()
            value_end = block.find(PARAM_END, param.end())
            if not key or value_end < 0:
                return None  # a parameter without a name (or never closed) voids the call, as in vLLM
            raw = block[param.end() : value_end]
            if raw.startswith(CDATA) and raw.endswith(CDATA_END):
                raw = raw[len(CDATA) : -len(CDATA_END)]
            else:
                raw = raw.strip()
            if not self._add(arguments, key, raw, tool):
                return None
            pos = block.find(PARAM, value_end + len(PARAM_END))
        if tool is not None and not tool.required <= arguments.keys():
            return None
        encoded = encode_long_arguments(arguments) if len(block) > LONG_TEXT else encode_arguments(arguments)
        return ToolCall(make_call_id(), FunctionCall(name, encoded))

    @staticmethod
    def _add(arguments: dict[str, Any], key: str, raw: str, tool: _Tool | None) -> bool:
        """Add one parameter; ``False`` when it voids the call (a repeat, a bad wrapper)."""
        if tool is None:
            if key in arguments:
                return False
            arguments[key] = convert_value(raw, None)
            return True
        if key in _WRAPPERS and tool.properties and key not in tool.properties:
            wrapped = convert_value(raw, None)
            if not isinstance(wrapped, dict):
                return False
            added = False
            for inner, value in wrapped.items():
                if inner not in tool.properties:
                    continue
                if inner in arguments:
                    return False
                arguments[inner] = _typed(value, inner in tool.strings)
                added = True
            return added
        if tool.properties and key not in tool.properties:
            return True  # outside the schema: dropped, the call stands
        if key in arguments:
            return False
        arguments[key] = _typed(raw, key in tool.strings)
        return True


def _typed(value: Any, is_string: bool) -> Any:
    if is_string:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return convert_value(value, None) if isinstance(value, str) else value
