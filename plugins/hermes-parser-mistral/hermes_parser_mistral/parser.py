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

Streaming (both layouts): a call's header goes out once its arguments object holds a key (v11: after
``name[ARGS]{"``; pre-v11: ``{"name": "f", "arguments": {"``), its arguments as the model writes them,
and the call closes where its object ends; so ``parse()`` of a text cut inside a call keeps the call, its
arguments closed at the last complete value (:mod:`hermes_core.parsing_call_objects`), and pre-v11
arguments are passed through as written too (vLLM re-encodes them; the decoded value is the same).

Linear time on bait (``"[TOOL_CALLS]{'" * n``): only a brace that starts like an object is decoded, on
the core's ``json_document`` (a failed decode's error is O(1)); reading goes on where broken JSON broke;
forward searches for ``{`` / ``[`` are remembered, not repeated.
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
from hermes_core.parsing_call_objects import (
    CallObject,
    first_marker_outside_think,
    read_call_list,
    read_call_object,
    stream_view,
)
from hermes_core.parsing_partial import PartialCall
from hermes_core.parsing_tags import head_arguments, json_document

BOT = "[TOOL_CALLS]"
ARGS = "[ARGS]"
CALL_ID = "[CALL_ID]"

_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_SKIP = frozenset(" \t\r\n,;")
_BAD_NAME_CHARS = frozenset(" \t\r\n\"'{}[]<>,;:")
_OBJECT_START = re.compile(r'\{[ \t\r\n]*["}]')
_KEYS = ("arguments",)


def mistral_call_id() -> str:
    """9 alphanumeric characters (os.urandom: unique across threads and forked rollout workers)."""
    return "".join([_ALPHANUMERIC[b % 62] for b in os.urandom(9)])


def _skip(text: str, pos: int, n: int) -> int:
    while pos < n and text[pos] in _SKIP:
        pos += 1
    return pos


def _skip_space(text: str, pos: int, n: int) -> int:
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _decide(obj: Any) -> tuple[str, str] | None:
    if type(obj) is not dict:
        return None
    name = obj.get("name")
    if type(name) is not str or not name.strip():
        return None
    return name.strip(), encode_arguments(obj.get("arguments"))


class _Scan:
    """One read: the text, its scan document, and remembered forward searches."""

    __slots__ = ("text", "doc", "n", "_found")

    def __init__(self, text: str) -> None:
        self.text = text
        self.doc = json_document(text)  # a failed scan's error is O(1), not O(position)
        self.n = len(text)
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

    def name_end(self, pos: int) -> int:
        """Where a v11 name (or call id) ends: the first ``{`` or ``[`` from ``pos``, or -1."""
        brace = self.find("{", pos)
        bracket = self.find("[", pos)
        return brace if bracket < 0 or 0 <= brace < bracket else bracket


class MistralParser(ToolCallParser):
    """Mistral / Mixtral / Magistral / Devstral ``[TOOL_CALLS]`` output, every tokenizer version."""

    name = "mistral"
    start_markers = (BOT,)

    def extract(self, text: str) -> ParsedCompletion | None:
        first, found = _read(text)
        if not found:
            return None
        ids: set[str] = set()
        calls: list[ToolCall] = []
        for call in found:  # 62**9 ids: a clash is all but impossible, but the contract wants them unique
            call_id = mistral_call_id()
            while call_id in ids:
                call_id = mistral_call_id()
            ids.add(call_id)
            calls.append(ToolCall(call_id, FunctionCall(call.name, call.arguments + call.closure)))
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        """Every call read from the first marker (O(n) a read: a ``[TOOL_CALLS]`` inside an argument
        cannot mislead a resumed read), less those that ended by ``pos``."""
        return stream_view(_read(text)[1], pos, mistral_call_id)


def _read(text: str) -> tuple[int, list[CallObject]]:
    """The first marker and the calls after it, the last one open when the text stopped inside it."""
    first = first_marker_outside_think(text, BOT)
    calls: list[CallObject] = []
    if first < 0:
        return first, calls
    scan = _Scan(text)
    pos = first
    while pos >= 0:
        pos = _segment(scan, pos + len(BOT), calls)
        if pos < 0:
            break
        pos = scan.find(BOT, pos)
    return first, calls


def _segment(scan: _Scan, pos: int, out: list[CallObject]) -> int:
    """Read the calls after one ``[TOOL_CALLS]``; return where reading stopped (-1: the text stopped
    inside a call, or before one is certain)."""
    text, n, doc = scan.text, scan.n, scan.doc
    while True:
        pos = _skip(text, pos, n)
        if pos >= n or text.startswith(BOT, pos):
            return pos
        ch = text[pos]
        if ch == "[":  # pre-v11 array: element by element, so a cut-off one keeps what was certain
            calls, end = read_call_list(text, doc, pos, _KEYS, _decide, True, string_arguments=True)
            out.extend(calls)
            return end
        if ch == "{":  # a bare object instead of an array (vLLM fails on it)
            if _OBJECT_START.match(text, pos) is None:
                return -1 if _skip_space(text, pos + 1, n) >= n else pos + 1
            found = read_call_object(text, doc, pos, _KEYS, _decide, string_arguments=True)
            if found.name is not None:
                out.append(found)
            if found.end < 0 or found.name is None or not found.whole:
                return found.end
            pos = found.end
            continue
        # v11+: name[CALL_ID]id[ARGS]{json}
        end = scan.name_end(pos)
        if end < 0:
            return -1  # no ``{`` left: no call can follow
        name = text[pos:end]
        if not name or not _BAD_NAME_CHARS.isdisjoint(name):
            return pos
        p = end
        if text[p] == "[":  # ``[CALL_ID]id`` and/or ``[ARGS]``
            if text.startswith(CALL_ID, p):
                p = scan.name_end(p + len(CALL_ID))
                if p < 0:
                    return -1
            if text.startswith(ARGS, p):
                p += len(ARGS)
            elif (p + len(CALL_ID) > n and CALL_ID.startswith(text[p:])) or ARGS.startswith(text[p : p + 6]):
                return -1  # a control token cut off: not known yet
        p = _skip(text, p, n)
        if p >= n:
            return -1
        if not text.startswith("{", p):
            return p
        certain = _OBJECT_START.match(text, p)
        if certain is None:  # the arguments must open with a key or close: ``{invalid`` is no call
            return -1 if _skip_space(text, p + 1, n) >= n else p + 1
        arguments, closure, end, ended = head_arguments(text, doc, p)
        out.append(CallObject(name, arguments, closure, end if ended else -1, not closure))
        if not ended or closure:
            return end if ended else -1
        pos = end
