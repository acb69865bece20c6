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
``items`` and ``additionalProperties`` included). One pass over the markers: linear.
"""

from __future__ import annotations

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
from hermes_core.parsing_partial import ended_calls_view
from hermes_core.parsing_start import THINK_END, calls_start
from hermes_core.parsing_values import convert_value, schema_types

NS = "]<]minimax[>["
TOOL_CALL = f"{NS}<tool_call>"
TOOL_CALL_END = f"{NS}</tool_call>"
_INVOKE = 'invoke name="'
_MAX_TAG = 256  # a tag name longer than this is not a tag


# A tag that finds no ``>`` of its own runs on into the next marker's when that one begins this close.
_RUNS_ON = _MAX_TAG - NS.index(">")


def _pieces(text: str, pos: int, stop: int) -> list[str]:
    """The block's text cut at each marker that starts a tag, marker by marker (``NS.join`` of the
    pieces is the block): for blocks where ``str.split`` cuts too often, see ``_RUNS_ON``."""
    pieces = []
    start = search = pos
    while True:
        at = text.find(NS, search, stop)
        if at < 0:
            pieces.append(text[start:stop])
            return pieces
        pieces.append(text[start:at])
        start = at + len(NS)
        tag_end = text.find(">", start, min(stop, start + _MAX_TAG))
        search = tag_end + 1 if tag_end >= 0 else start


# An element: [name, child elements, text pieces] (a list: cheaper to build than an object, per tag).
_Node = list


def value_of(node: _Node, spec: Any) -> Any:
    """The JSON value of one element, typed by its property schema ``spec`` (may be ``None``)."""
    if not spec or not isinstance(spec, dict):
        return _untyped(node)
    types = schema_types(spec)
    children = node[1]
    if not children:
        text = "".join(node[2])
        return convert_value(text, types) if types else text
    if "array" in types and "object" not in types:
        return [value_of(child, spec.get("items")) for child in children]
    return object_of(children, spec)


def _untyped(node: _Node) -> Any:
    """``value_of`` without a schema: a leaf is its text, an element with children an object."""
    children = node[1]
    if not children:
        texts = node[2]
        return texts[0] if len(texts) == 1 else "".join(texts)
    return _untyped_object(children)


def _put(out: dict[str, Any], repeated: set[str], key: str, value: Any) -> None:
    """Add ``key``; a repeated element's values become a list (``repeated``: keys already lists)."""
    if key not in out:
        out[key] = value
    elif key in repeated:
        out[key].append(value)
    else:
        out[key] = [out[key], value]
        repeated.add(key)


def _untyped_object(children: list[_Node]) -> dict[str, Any]:
    """``object_of`` without a schema, the leaves read in place (most elements are leaves)."""
    out: dict[str, Any] = {}
    repeated: set[str] = set()
    for key, grandchildren, texts in children:
        if grandchildren:
            value = _untyped_object(grandchildren)
        else:
            value = texts[0] if len(texts) == 1 else "".join(texts)
        if key in out:
            _put(out, repeated, key, value)
        else:
            out[key] = value
    return out


def object_of(children: list[_Node], spec: dict[str, Any] | None) -> dict[str, Any]:
    if not spec:
        return _untyped_object(children)
    properties = spec.get("properties") if isinstance(spec.get("properties"), dict) else {}
    extra = spec.get("additionalProperties")
    out: dict[str, Any] = {}
    repeated: set[str] = set()
    for child in children:
        spec = properties.get(child[0], extra)
        _put(out, repeated, child[0], value_of(child, spec) if spec else _untyped(child))
    return out


def _invoke_named(text: str, pos: int) -> bool:
    """An ``<invoke name="...">`` tag complete before the next ``</think>``: the call began."""
    stop = text.find(THINK_END, pos)
    stop = len(text) if stop < 0 else stop
    invoke = text.find(NS + "<" + _INVOKE, pos, stop)
    return invoke >= 0 and text.find('">', invoke, stop) >= 0


class MinimaxM3Parser(ToolCallParser):
    """MiniMax-M3.

    Streams the name: an invoke counts once its ``<invoke name="...">`` tag is written, and keeps the
    elements that closed, whatever follows (cut off, a stray closing tag, the next invoke or the block's
    end): vLLM 0.34's engine (``test_truncated_invoke_keeps_completed_params``). Its arguments go out
    once ``</invoke>`` is in, not element by element: an element written again later turns the first
    value into a list, so no value is certain before the invoke ends.
    """

    name = "minimax_m3"
    aliases = ("minimax-m3",)
    start_markers = (TOOL_CALL,)
    call_end_markers = (NS + "</invoke>",)

    def partial_calls(self, text: str, pos: int):
        calls, resume = ended_calls_view(text, pos, self.extract, self._may_send)
        if calls and not calls[-1].closed:
            calls[-1].arguments = ""  # not ended: any element may still turn into a list
        return calls, resume

    @staticmethod
    def _may_send(text: str) -> bool:
        """False with no call yet, or only calls quoted in reasoning that a later one may void."""
        return calls_start(text, (TOOL_CALL,), lambda at: _invoke_named(text, at)) >= 0

    def extract(
        self, text: str, starts: list[int] | None = None, ends: list[int] | None = None
    ) -> ParsedCompletion | None:
        first = calls_start(text, (TOOL_CALL,), lambda at: _invoke_named(text, at), fallback=True)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            body = pos + len(TOOL_CALL)
            stop = text.find(TOOL_CALL_END, body)
            self._invokes(text, body, stop if stop >= 0 else len(text), calls, starts, ends)
            if stop < 0:
                break
            pos = text.find(TOOL_CALL, stop + len(TOOL_CALL_END))
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
        """Walk the markers of one block: an element stack per invoke. An invoke ends at ``</invoke>``,
        a malformed tag, the next invoke or the block's end, with the elements that closed."""
        counts = len(calls), len(starts or ()), len(ends or ())
        if not self._walk(text[pos:stop].split(NS), pos, stop, calls, starts, ends):
            del calls[counts[0] :]  # a tag ran into the next marker: cut again, marker by marker
            if starts is not None:
                del starts[counts[1] :]
            if ends is not None:
                del ends[counts[2] :]
            self._walk(_pieces(text, pos, stop), pos, stop, calls, starts, ends)

    def _walk(
        self,
        pieces: list[str],
        pos: int,
        stop: int,
        calls: list[ToolCall],
        starts: list[int] | None,
        ends: list[int] | None,
    ) -> bool:
        """``_invokes`` over the block cut at its markers (``pieces[0]``: the text before the first);
        false when a tag finds no ``>`` in its piece but would in the next marker (``_RUNS_ON``)."""
        name: str | None = None  # the open invoke's tool name
        stack: list[_Node] = []
        start = -1  # where the open invoke begins

        def end_invoke(ended_at: int = -1) -> None:
            """Emit the open invoke; ``ended_at``: where it ended for good (-1: cut off, or not yet)."""
            if name:
                properties = self.tool_schema(name) if self.tools else None
                arguments = object_of(stack[0][1], {"properties": properties} if properties else None)
                if stop - pos > 8 * LONG_TEXT:  # else mostly short strings
                    encoded = encode_long_arguments(arguments)
                else:
                    encoded = encode_arguments(arguments)
                calls.append(ToolCall(make_call_id(), FunctionCall(name, encoded)))
                if starts is not None:
                    starts.append(start)
                if ends is not None:
                    ends.append(ended_at)

        marker = len(NS)
        at = pos + len(pieces[0]) - marker
        for index in range(1, len(pieces)):
            piece = pieces[index]
            at += marker
            head, closed, rest = piece.partition(">")
            if not closed or len(head) >= _MAX_TAG:  # no tag: the marker alone
                if not closed and len(piece) < _RUNS_ON and at + marker + len(piece) < stop:
                    return False
                tag, rest = "", piece
            else:
                tag = head[1:] if head[:1] == "<" else ""
            if tag[:1] == "/":
                if tag == "/invoke":
                    end_invoke(at + marker + len(head) + 1)
                    name, stack = None, []
                elif not stack:
                    pass  # outside an invoke: not ours
                elif len(stack) > 1 and stack[-1][0] == tag[1:]:
                    node = stack.pop()
                    stack[-1][1].append(node)
                else:  # a stray closing tag: this invoke ends here
                    end_invoke()
                    name, stack = None, []
            elif tag.startswith(_INVOKE) and tag[-1] == '"':
                end_invoke(at)
                name, stack, start = tag[len(_INVOKE) : -1].strip(), [["", [], []]], at
            elif not stack:
                pass  # outside an invoke: not ours
            elif tag and tag[-1] != "/":
                stack.append([tag.strip(), [], [rest]])
                at += len(piece)
                continue
            else:
                end_invoke()
                name, stack = None, []
            if rest and stack:
                stack[-1][2].append(rest)
            at += len(piece)
        end_invoke()  # still open here: cut off, or the block ended
        return True
