"""Apertus (``apertus``): a JSON list of one-key objects, ``{function name: arguments}``, in special tokens::

    Let me check. <|tools_prefix|>[{"get_weather": {"city": "Paris"}}, {"get_time": {}}]<|tools_suffix|>

The suffix is optional, and a list cut off by the token limit still yields its calls (vLLM completes
it with ``partial_json_parser``; here :func:`close_partial_json` closes the open strings and brackets
in one pass). Text around the block is content: before it, then what follows, joined by a newline.
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
from hermes_core.parsing_tags import JSON_ERRORS, scan_json

PREFIX = "<|tools_prefix|>"
SUFFIX = "<|tools_suffix|>"
_CLOSERS = {"[": "]", "{": "}"}


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


def _call(item: Any) -> ToolCall | None:
    """``{"NAME": ARGS}`` as a call (the first key, as vLLM), or ``None``."""
    if type(item) is not dict or not item:
        return None
    name, arguments = next(iter(item.items()))
    if not name.strip():
        return None
    return ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(arguments)))
