"""Apertus (``apertus``): a JSON list of one-key objects, ``{function name: arguments}``, in special tokens::

    Let me check. <|tools_prefix|>[{"get_weather": {"city": "Paris"}}, {"get_time": {}}]<|tools_suffix|>

The suffix is optional, and a list cut off by the token limit still yields its calls (vLLM completes
it with ``partial_json_parser``; here :func:`close_partial_json` closes the open strings and brackets
in one pass). Text around the block is content: before it, then what follows, joined by a newline.

Calls stream as they are written: a list opening with an object is read item by item
(:mod:`hermes_core.parsing_call_list`), each call's arguments kept as written, so a list cut off keeps
its calls closed at the last commit point of the JSON (a cut-off ``1`` may still become ``12``: it is
left out, where ``partial_json_parser`` would keep it). A suffix not complete yet is held back.
"""

from __future__ import annotations

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
from hermes_core.parsing_call_list import read_call_list
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_tags import JSON_ERRORS, json_document, scan_json

PREFIX = "<|tools_prefix|>"
SUFFIX = "<|tools_suffix|>"
_CLOSERS = {"[": "]", "{": "}"}
_FIRST_OBJECT = re.compile(r"[ \t\r\n]*(?:\[[ \t\r\n]*)?(\{)")
_HEAD = re.compile(r'\{[ \t\r\n]*"(?P<name>[^"\\]*)"[ \t\r\n]*:[ \t\r\n]*(?=\{)')


def close_partial_json(text: str) -> tuple[str, int]:
    """``text`` (a JSON document cut short) with its open string, then its open brackets, closed; and
    where the last complete item of the outer list ends (-1: none), to fall back to.

    A dangling ``,`` or ``:`` is dropped first, so ``[{"a": 1},`` and ``{"a": "b`` both decode.
    """
    stack: list[str] = []
    in_string = escaped = False
    last_item_end = -1
    for index, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        elif ch in "]}" and stack and stack[-1] == ch:
            stack.pop()
        elif ch == "," and len(stack) == 1:
            last_item_end = index
    if not in_string:
        text = text.rstrip().rstrip(",:").rstrip()
    elif escaped:  # cut after a backslash: drop it, then close the string
        text = text[:-1] + '"'
    else:
        text += '"'
    return text + "".join(reversed(stack)), last_item_end


class ApertusParser(ToolCallParser):
    """``<|tools_prefix|>[{"NAME": {ARGS}}, ...]<|tools_suffix|>``, as vLLM's ``ApertusToolParser``."""

    name = "apertus"
    start_markers = (PREFIX,)
    call_end_markers = (SUFFIX,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        start = text.find(PREFIX)
        if start < 0:
            return None
        body = start + len(PREFIX)
        suffix = text.find(SUFFIX, body)
        block_end = len(text) if suffix < 0 else suffix
        listed = _FIRST_OBJECT.match(text, body, block_end)
        if listed is not None:  # read as it streams: item by item
            block = text if suffix < 0 else text[:suffix]
            found, stop = read_call_list(block, json_document(block), listed.start(1), _HEAD, _whole, True)
            calls = [ToolCall(make_call_id(), FunctionCall(c.name, c.arguments)) for c in found]
            json_end = stop if stop >= 0 and text[stop - 1] in "]}" else block_end
        else:
            while body < block_end and text[body] in " \t\r\n":
                body += 1
            try:
                decoded, json_end = scan_json(text, body)
            except JSON_ERRORS:
                decoded, json_end = self._partial(text[body:block_end]), block_end
            if json_end > block_end:  # the JSON ran over the suffix: only what precedes the suffix counts
                decoded, json_end = self._partial(text[body:block_end]), block_end
            items = decoded if type(decoded) is list else [decoded] if decoded else []
            calls = [call for call in map(_call, items) if call is not None]
        if not calls:
            return None
        tail = [text[json_end:block_end].strip()]
        if suffix >= 0:
            tail.append(text[suffix + len(SUFFIX) :].replace(SUFFIX, "").strip())
        content = "\n".join(part for part in (content_before(text, start), *tail) if part)
        return ParsedCompletion(content=content or None, tool_calls=calls)

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """The calls of a list of objects as written; other shapes are read when the text ends."""
        start = text.find(PREFIX)
        if start < 0:
            return [], pos
        body = start + len(PREFIX)
        suffix = text.find(SUFFIX, body)
        if suffix < 0:  # a suffix being written is not argument text
            held = next((k for k in range(len(SUFFIX) - 1, 0, -1) if text.endswith(SUFFIX[:k])), 0)
            block = text[: len(text) - held]
        else:
            block = text[:suffix]
        doc, final = json_document(block), suffix >= 0
        if pos > 0:  # read on from the last call that ended: each item is read once
            calls = read_call_list(block, doc, pos, _HEAD, _whole, final, resume=True)[0]
        else:
            listed = _FIRST_OBJECT.match(block, body)
            if listed is None:
                return [], pos
            calls = read_call_list(block, doc, listed.start(1), _HEAD, _whole, final)[0]
        ends = [c.end for c in calls if c.closed]
        return calls, ends[-1] if ends else pos

    @staticmethod
    def _partial(block: str) -> Any:
        closed, last_item_end = close_partial_json(block.strip())
        try:
            return scan_json(closed, 0)[0]
        except JSON_ERRORS:
            pass
        if last_item_end < 0:  # the first item is cut where it cannot be closed (inside a key)
            return None
        try:  # drop the item cut short, keep the whole ones before it
            return scan_json(close_partial_json(block.strip()[:last_item_end])[0], 0)[0]
        except JSON_ERRORS:
            return None


def _whole(item: Any) -> tuple[str, str, None] | None:
    """A complete item of another shape (string or number arguments) as a call, or ``None``."""
    call = _call(item)
    return None if call is None else (call.function.name, call.function.arguments, None)


def _call(item: Any) -> ToolCall | None:
    """``{"NAME": ARGS}`` as a call (the first key, as vLLM), or ``None``."""
    if type(item) is not dict or not item:
        return None
    name, arguments = next(iter(item.items()))
    if not name.strip():
        return None
    return ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(arguments)))
