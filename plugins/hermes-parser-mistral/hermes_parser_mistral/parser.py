"""Mistral tool calls: everything after ``[TOOL_CALLS]``.

Two layouts, told apart by what follows the marker (vLLM decides by tokenizer version, which a text
parser does not have):

- pre-v11 tokenizers (Mistral-7B-v0.3, Nemo, Small 2409/2501): a JSON array
  ``[TOOL_CALLS] [{"name": ..., "arguments": {...}}, ...]``; text after the array is tolerated;
- v11+ (Mistral Small 3.2, Magistral, Devstral): ``[TOOL_CALLS]name{json}`` once per call, with the
  ``[ARGS]`` (and v13 ``[CALL_ID]id``) control tokens between name and arguments when special tokens are
  kept.

Call ids follow vLLM's ``MistralToolCall``: 9 alphanumeric characters, which Mistral's chat template
validates when the call is sent back. Objects are read with ``JSONDecoder.raw_decode``: vLLM's
``\\{[\\s\\S]*?\\}`` name regex cuts nested arguments at the first ``}``.
"""

from __future__ import annotations

import os
from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
)
from hermes_core.parsing_tags import (
    JSON_ERRORS,
    first_marker,
    scan_json,
)

BOT = "[TOOL_CALLS]"
ARGS = "[ARGS]"
CALL_ID = "[CALL_ID]"

_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_SKIP = frozenset(" \t\r\n,;")
_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}[]<>,;:")


def mistral_call_id() -> str:
    """9 alphanumeric characters (os.urandom: unique across threads and forked rollout workers)."""
    return "".join([_ALPHANUMERIC[b % 62] for b in os.urandom(9)])


def _skip(text: str, pos: int, n: int) -> int:
    while pos < n and text[pos] in _SKIP:
        pos += 1
    return pos


class MistralParser(ToolCallParser):
    """Mistral / Mixtral / Magistral / Devstral ``[TOOL_CALLS]`` output, every tokenizer version."""

    name = "mistral"
    start_markers = (BOT,)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, BOT)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            pos = self._segment(text, pos + len(BOT), calls)
            pos = text.find(BOT, pos)
        if not calls:
            return None
        ids: set[str] = set()
        for call in calls:  # 62**9 ids: a clash is all but impossible, but the contract wants them unique
            while call.id in ids:
                call.id = mistral_call_id()
            ids.add(call.id)
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    @staticmethod
    def _add(obj: Any, out: list[ToolCall]) -> bool:
        if type(obj) is not dict:
            return False
        name = obj.get("name")
        if type(name) is not str or not name.strip():
            return False
        arguments = encode_arguments(obj.get("arguments"))
        out.append(
            ToolCall(id=mistral_call_id(), function=FunctionCall(name=name.strip(), arguments=arguments))
        )
        return True

    def _segment(self, text: str, pos: int, out: list[ToolCall]) -> int:
        """Read the calls after one ``[TOOL_CALLS]``; return where reading stopped."""
        n = len(text)
        while True:
            pos = _skip(text, pos, n)
            if pos >= n or text.startswith(BOT, pos):
                return pos
            ch = text[pos]
            if ch == "[":  # pre-v11 array: read element by element so a cut-off one loses only itself
                pos += 1
                while True:
                    pos = _skip(text, pos, n)
                    if pos >= n or text[pos] != "{":
                        return pos  # "]" or trailing text: done with this segment
                    try:
                        obj, pos = scan_json(text, pos)
                    except JSON_ERRORS:
                        return pos
                    self._add(obj, out)
            elif ch == "{":  # a bare object instead of an array (vLLM fails on it)
                try:
                    obj, pos = scan_json(text, pos)
                except JSON_ERRORS:
                    return pos
                if not self._add(obj, out):
                    return pos
            else:  # v11+: name[CALL_ID]id[ARGS]{json}
                brace = text.find("{", pos)
                bracket = text.find("[", pos)
                end = brace if bracket < 0 or 0 <= brace < bracket else bracket
                if end < 0:
                    return pos
                name = text[pos:end]
                if not name or not _BAD_NAME_CHARS.isdisjoint(name):
                    return pos
                p = end
                if text.startswith(CALL_ID, p):
                    brace = text.find("{", p)
                    bracket = text.find("[", p + len(CALL_ID))
                    p = brace if bracket < 0 or 0 <= brace < bracket else bracket
                    if p < 0:
                        return n
                if text.startswith(ARGS, p):
                    p += len(ARGS)
                p = _skip(text, p, n)
                if not text.startswith("{", p):
                    return p
                try:
                    obj, p = scan_json(text, p)
                except JSON_ERRORS:
                    return p
                out.append(ToolCall(id=mistral_call_id(), function=FunctionCall(name, encode_arguments(obj))))
                pos = p
