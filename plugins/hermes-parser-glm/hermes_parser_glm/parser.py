"""GLM-4.5 / 4.6 / 4.7 tool calls: XML-ish key/value pairs, one ``<tool_call>`` block per call.

GLM-4.5 and 4.6 (chat template)::

    <tool_call>get_weather
    <arg_key>city</arg_key>
    <arg_value>Beijing</arg_value>
    </tool_call>

GLM-4.7 drops the newlines, so the name runs straight into ``<arg_key>`` (or ``</tool_call>``)::

    <tool_call>get_weather<arg_key>city</arg_key><arg_value>Beijing</arg_value></tool_call>

Values are untyped text. As vLLM's glm4_moe parser: a value whose parameter the tool's JSON schema types
as ``string`` stays text; any other is JSON-decoded when it is valid JSON, else read as a Python literal,
else kept as text. The scan walks key/value pairs with ``str.find``, so a ``</tool_call>`` inside a value
does not end the call (vLLM's ``<tool_call>.*?</tool_call>`` regex cuts it there).
"""

from __future__ import annotations

import ast
import json
from typing import Any, ClassVar

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
    first_marker,
)

TOOL_CALL = "<tool_call>"
TOOL_CALL_END = "</tool_call>"
KEY = "<arg_key>"
KEY_END = "</arg_key>"
VALUE = "<arg_value>"
VALUE_END = "</arg_value>"

_loads = json.loads
_dumps = json.JSONEncoder(ensure_ascii=False).encode
_WS = " \t\r\n"
_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}<>")
_NOT_JSON_WORDS = frozenset(("NaN", "Infinity", "-Infinity"))  # json.loads takes them, JSON does not


def _skip_ws(text: str, pos: int, n: int) -> int:
    while pos < n and text[pos] in _WS:
        pos += 1
    return pos


def _is_string_type(schema: Any) -> bool:
    if type(schema) is not dict:
        return False
    kind = schema.get("type")
    return kind == "string" or (type(kind) is list and kind == ["string"])


def typed_value(raw: str, schema: Any = None) -> Any:
    """The value of one ``<arg_value>``: text for string parameters, else JSON, a literal, or text."""
    value = raw.strip()
    if _is_string_type(schema) or not value or value in _NOT_JSON_WORDS:
        return value
    try:
        return _loads(value)
    except (ValueError, RecursionError):
        pass
    if value[0] in "[{(" or value in ("True", "False", "None"):
        try:  # Python literals (single quotes, True/None), as vLLM's ast.literal_eval fallback
            literal = ast.literal_eval(value)
            if type(literal) is tuple:
                literal = list(literal)
            _dumps(literal)  # sets, bytes, complex: not JSON, keep the text
            return literal
        except Exception:
            pass
    return value


class _GlmParser(ToolCallParser):
    start_markers = (TOOL_CALL,)
    name_ends_at_newline: ClassVar[bool] = True

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, TOOL_CALL)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            call, pos = self._block(text, pos + len(TOOL_CALL))
            if call is not None:
                calls.append(call)
            pos = text.find(TOOL_CALL, pos)
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _name_end(self, text: str, start: int) -> int:
        if self.name_ends_at_newline:
            return text.find("\n", start)
        ends = [i for i in (text.find(KEY, start), text.find(TOOL_CALL_END, start)) if i >= 0]
        return min(ends) if ends else -1

    def _block(self, text: str, start: int) -> tuple[ToolCall | None, int]:
        """One call from just after ``<tool_call>``; the call (or ``None``) and where to go on."""
        n = len(text)
        name_end = self._name_end(text, start)
        if name_end < 0:
            return None, n
        name = text[start:name_end].strip()
        if not name or not _BAD_NAME_CHARS.isdisjoint(name):
            return None, start  # e.g. glm45 given a GLM-4.7 block: look for the next block from here
        properties = self.tool_schema(name) if self.tools else {}
        arguments: dict[str, Any] = {}
        pos = name_end
        while True:
            pos = _skip_ws(text, pos, n)
            if text.startswith(TOOL_CALL_END, pos):
                call = ToolCall(id=make_call_id(), function=FunctionCall(name, encode_arguments(arguments)))
                return call, pos + len(TOOL_CALL_END)
            if not text.startswith(KEY, pos):
                # stray text between pairs (vLLM's findall skips it): go to the next key or the end
                next_key, next_call = text.find(KEY, pos), text.find(TOOL_CALL, pos)
                ends = [i for i in (next_key, text.find(TOOL_CALL_END, pos)) if i >= 0]
                if not ends or 0 <= next_call < min(ends):
                    return None, pos  # cut off, and another block starts: leave this one
                pos = min(ends)
                continue
            key_end = text.find(KEY_END, pos)
            if key_end < 0:
                return None, n
            key = text[pos + len(KEY) : key_end].strip()
            pos = _skip_ws(text, key_end + len(KEY_END), n)
            if not key or not text.startswith(VALUE, pos):
                return None, pos  # a key without its value: malformed block
            value_end = text.find(VALUE_END, pos)
            if value_end < 0:
                return None, n  # cut off inside a value: cannot know the value is whole
            arguments[key] = typed_value(text[pos + len(VALUE) : value_end], properties.get(key))
            pos = value_end + len(VALUE_END)


class Glm45Parser(_GlmParser):
    """GLM-4.5 / GLM-4.6: the function name alone on the first line of the block."""

    name = "glm45"


class Glm47Parser(_GlmParser):
    """GLM-4.7: the name may run straight into ``<arg_key>`` or ``</tool_call>`` (newlines optional)."""

    name = "glm47"
    name_ends_at_newline = False
