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
``\\{[\\s\\S]*?\\}`` name regex cuts nested arguments at the first ``}``. As in vLLM, v11 arguments
are passed through as the model wrote them (validated, never decoded and re-encoded), so 20 KB of
arguments cost one scan.

Linear time on bait (``"[TOOL_CALLS]{'" * n``): only a brace that starts like an object is decoded, on
the core's ``json_document`` (a failed decode's error is O(1)); what failed decodes walk shares a budget
of a few times the text length; forward searches for ``{`` / ``[`` are remembered, not repeated.
"""

from __future__ import annotations

import os
import re
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
    json_document,
    scan_json,
)

BOT = "[TOOL_CALLS]"
ARGS = "[ARGS]"
CALL_ID = "[CALL_ID]"

_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_SKIP = frozenset(" \t\r\n,;")
_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}[]<>,;:")
_OBJECT_START = re.compile(r'\{[ \t\r\n]*["}]')


def mistral_call_id() -> str:
    """9 alphanumeric characters (os.urandom: unique across threads and forked rollout workers)."""
    return "".join([_ALPHANUMERIC[b % 62] for b in os.urandom(9)])


def _skip(text: str, pos: int, n: int) -> int:
    while pos < n and text[pos] in _SKIP:
        pos += 1
    return pos


class _Scan:
    """One parse: the text, the failure budget, and remembered forward searches."""

    __slots__ = ("text", "doc", "n", "budget", "_found")

    def __init__(self, text: str) -> None:
        self.text = text
        self.doc = json_document(text)  # a failed scan's error is O(1), not O(position)
        self.n = len(text)
        self.budget = 4 * self.n + 4096
        self._found: dict[str, tuple[int, int]] = {}

    def find(self, sub: str, pos: int) -> int:
        """``text.find(sub, pos)``, answered from the last search when that one started at or before
        ``pos`` and found nothing before ``pos`` (so the bait never re-scans the rest of the text)."""
        start, hit = self._found.get(sub, (self.n + 1, -1))
        if start <= pos and (hit < 0 or hit >= pos):
            return hit
        hit = self.text.find(sub, pos)
        self._found[sub] = (pos, hit)
        return hit

    def decode(self, pos: int) -> tuple[Any, int] | None:
        """The JSON object at ``pos`` and its end, or ``None`` (charging a failure to the budget)."""
        if _OBJECT_START.match(self.text, pos) is None:
            return None
        try:
            return scan_json(self.doc, pos)
        except JSON_ERRORS as error:
            walked = getattr(error, "pos", pos) - pos + 1  # StopIteration: nothing walked
            self.budget -= self.n if isinstance(error, RecursionError) else walked
            return None


class MistralParser(ToolCallParser):
    """Mistral / Mixtral / Magistral / Devstral ``[TOOL_CALLS]`` output, every tokenizer version."""

    name = "mistral"
    start_markers = (BOT,)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, BOT)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        scan = _Scan(text)
        pos = first
        while pos >= 0 and scan.budget >= 0:
            pos = self._segment(scan, pos + len(BOT), calls)
            pos = scan.find(BOT, pos)
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

    def _segment(self, scan: _Scan, pos: int, out: list[ToolCall]) -> int:
        """Read the calls after one ``[TOOL_CALLS]``; return where reading stopped."""
        text, n = scan.text, scan.n
        while scan.budget >= 0:
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
                    decoded = scan.decode(pos)
                    if decoded is None:
                        return pos + 1
                    obj, pos = decoded
                    self._add(obj, out)
            elif ch == "{":  # a bare object instead of an array (vLLM fails on it)
                decoded = scan.decode(pos)
                if decoded is None:
                    return pos + 1
                obj, pos = decoded
                if not self._add(obj, out):
                    return pos
            else:  # v11+: name[CALL_ID]id[ARGS]{json}
                end = self._name_end(scan, pos)
                if end < 0:
                    return pos
                name = text[pos:end]
                if not name or not _BAD_NAME_CHARS.isdisjoint(name):
                    return pos
                p = end
                if text.startswith(CALL_ID, p):
                    p = self._name_end(scan, p + len(CALL_ID))
                    if p < 0:
                        return n
                if text.startswith(ARGS, p):
                    p += len(ARGS)
                p = _skip(text, p, n)
                if not text.startswith("{", p):
                    return p
                decoded = scan.decode(p)
                if decoded is None:
                    return p + 1
                obj, end = decoded
                # vLLM passes v11 arguments through as written: valid JSON is not decoded and re-encoded
                arguments = text[p:end] if type(obj) is dict else encode_arguments(obj)
                out.append(ToolCall(id=mistral_call_id(), function=FunctionCall(name, arguments)))
                pos = end
        return pos

    @staticmethod
    def _name_end(scan: _Scan, pos: int) -> int:
        """Where a v11 name (or call id) ends: the first ``{`` or ``[`` from ``pos``, or -1."""
        brace = scan.find("{", pos)
        bracket = scan.find("[", pos)
        return brace if bracket < 0 or 0 <= brace < bracket else bracket
