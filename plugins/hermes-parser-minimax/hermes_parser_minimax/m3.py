"""MiniMax-M3 tool calls: namespaced XML whose arguments nest as elements::

    ]<]minimax[>[<tool_call>
    ]<]minimax[>[<invoke name="create_order">
    ]<]minimax[>[<user_id>42]<]minimax[>[</user_id>
    ]<]minimax[>[<shipping>]<]minimax[>[<city>Singapore]<]minimax[>[</city>]<]minimax[>[</shipping>
    ]<]minimax[>[<items>]<]minimax[>[<item>...]<]minimax[>[</item>]<]minimax[>[</items>
    ]<]minimax[>[</invoke>
    ]<]minimax[>[</tool_call>

Every tag carries the ``]<]minimax[>[`` marker, so text in values never looks like a tag. An element with
child elements is an object (a repeated child becomes a list) or, when the schema says ``array``, the list
of its children; a leaf is text, typed by the request's tool schema when it has one (nested ``properties``,
``items`` and ``additionalProperties`` included). A malformed or cut-off invoke is dropped, the invokes
before it kept. One pass over the markers: linear.
"""

from __future__ import annotations

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
from hermes_core.parsing_tags import first_marker
from hermes_core.parsing_values import convert_value, schema_types

NS = "]<]minimax[>["
TOOL_CALL = f"{NS}<tool_call>"
TOOL_CALL_END = f"{NS}</tool_call>"
_INVOKE = 'invoke name="'
_MAX_TAG = 256  # a tag name longer than this is not a tag


class _Node:
    __slots__ = ("children", "name", "texts")

    def __init__(self, name: str) -> None:
        self.name = name
        self.children: list[_Node] = []
        self.texts: list[str] = []


def value_of(node: _Node, spec: Any) -> Any:
    """The JSON value of one element, typed by its property schema ``spec`` (may be ``None``)."""
    spec = spec if isinstance(spec, dict) else {}
    types = schema_types(spec)
    if not node.children:
        text = "".join(node.texts)
        return convert_value(text, types) if types else text
    if "array" in types and "object" not in types:
        return [value_of(child, spec.get("items")) for child in node.children]
    return object_of(node.children, spec)


def object_of(children: list[_Node], spec: dict[str, Any]) -> dict[str, Any]:
    properties = spec.get("properties") if isinstance(spec.get("properties"), dict) else {}
    extra = spec.get("additionalProperties")
    out: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for child in children:
        key = child.name
        value = value_of(child, properties.get(key, extra))
        count = seen.get(key, 0)
        if count == 0:
            out[key] = value
        elif count == 1:  # a repeated element: its values become a list
            out[key] = [out[key], value]
        else:
            out[key].append(value)
        seen[key] = count + 1
    return out


class MinimaxM3Parser(ToolCallParser):
    """MiniMax-M3."""

    name = "minimax_m3"
    aliases = ("minimax-m3",)
    start_markers = (TOOL_CALL,)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, TOOL_CALL)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            body = pos + len(TOOL_CALL)
            stop = text.find(TOOL_CALL_END, body)
            self._invokes(text, body, stop if stop >= 0 else len(text), calls)
            if stop < 0:
                break
            pos = text.find(TOOL_CALL, stop + len(TOOL_CALL_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _invokes(self, text: str, pos: int, stop: int, calls: list[ToolCall]) -> None:
        """Walk the markers of one block: an element stack per invoke."""
        find = text.find
        name: str | None = None  # the open invoke's tool name
        stack: list[_Node] = []
        while True:
            at = find(NS, pos, stop)
            if at < 0:
                return  # an invoke still open here is cut off
            if stack:
                stack[-1].texts.append(text[pos:at])
            tag_start = at + len(NS)
            tag_end = find(">", tag_start, min(stop, tag_start + _MAX_TAG))
            pos = tag_end + 1 if tag_end >= 0 else tag_start
            tag = text[tag_start + 1 : tag_end] if tag_end >= 0 and text.startswith("<", tag_start) else ""
            if tag.startswith(_INVOKE) and tag.endswith('"'):
                name, stack = tag[len(_INVOKE) : -1].strip(), [_Node("")]
            elif tag == "/invoke":
                if name and len(stack) == 1:
                    properties = self.tool_schema(name) if self.tools else {}
                    arguments = object_of(stack[0].children, {"properties": properties})
                    calls.append(ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments))))
                name, stack = None, []
            elif not stack:
                continue  # outside an invoke: not ours
            elif tag.startswith("/"):
                if len(stack) > 1 and stack[-1].name == tag[1:]:
                    node = stack.pop()
                    stack[-1].children.append(node)
                else:  # a stray closing tag: this invoke is malformed
                    name, stack = None, []
            elif tag and not tag.endswith("/"):
                stack.append(_Node(tag.strip()))
            else:
                name, stack = None, []
