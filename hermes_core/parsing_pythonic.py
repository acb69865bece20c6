"""Decoding pythonic tool calls: ``[get_weather(city='Paris'), get_time()]``.

Llama 3.2 / Llama 4 (``pythonic``, ``llama4_pythonic``), Olmo 3 (``olmo3``) and other models write tool
calls as a Python list of keyword-argument calls. The three parsers find *where* the list is (each in
its own way); this module turns the list's source into :class:`~hermes_core.parsing.ToolCall` objects,
once, with the rules of vLLM's shared pythonic helpers:

- a call's name is a bare or dotted name (``a.b.c(...)``), its arguments are keyword arguments whose
  values are literals: strings, numbers, ``True``/``False``/``None`` (and the JSON spellings ``true``,
  ``false``, ``null``), dicts with literal keys, lists, tuples and sets (as lists), negative numbers,
  f-strings without placeholders; positional arguments are ignored, as in vLLM;
- one call whose arguments cannot become JSON (bytes, ``1e999``, an expression) is dropped, its
  siblings are kept; a list holding anything but calls is not a call list at all;
- when the list does not parse as a whole (a broken quote in one call), each top-level element is
  tried on its own, so the good calls survive.

Nothing is evaluated. A plain list (quoted strings with the escapes JSON shares, decimal numbers,
constants, lists and dicts) is read straight into JSON text (:mod:`hermes_core.parsing_pythonic_scan`);
anything else goes through ``ast.parse`` (linear,
with CPython's own nesting limit) and the tree is read node by node. Both give the same calls wherever
the scanner answers (a differential test holds it). The salvage pass splits the list once, left to
right, and parses each element once (at most ``MAX_SALVAGED`` of them), so the work stays linear.
"""

from __future__ import annotations

import ast
import math
import re
import threading
import warnings
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
from hermes_core.parsing_pythonic_scan import MAX_DEPTH as _MAX_DEPTH
from hermes_core.parsing_pythonic_scan import Fallback, scan_call_list
from hermes_core.parsing_tags import THINK_END

__all__ = ["MAX_SALVAGED", "PythonicListParser", "decode_call_list", "split_top_level"]

MAX_SALVAGED = 256
"""A list that does not parse is salvaged element by element only up to this many elements."""

_JSON_NAMES = {"null": None, "true": True, "false": False}
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = frozenset(")]}")
_SPECIAL = re.compile(r"[\\'\"()\[\]{},]")
_WARNINGS_LOCK = threading.Lock()


class _NotJson(Exception):
    """An argument value with no JSON representation: the call holding it is dropped."""


def _parse_expression(source: str) -> ast.expr | None:
    try:
        if "\\" in source:  # invalid escapes ("\d") warn; only then pay for the filter
            # ``catch_warnings`` swaps process-wide state: serialised, so threads cannot interleave
            # their save/restore and leave "ignore" installed for good
            with _WARNINGS_LOCK, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(source, mode="eval").body
        return ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _value(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, (str, bool, int)):
            return value
        if isinstance(value, float) and math.isfinite(value):
            return value
        raise _NotJson
    if isinstance(node, ast.Dict):
        out = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if not isinstance(key, ast.Constant) or not isinstance(key.value, (str, int, float, bool)):
                raise _NotJson  # ``**spread`` (key None) or a computed key
            out[key.value] = _value(value)
        return out
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [_value(item) for item in node.elts]
    if isinstance(node, ast.Name) and node.id in _JSON_NAMES:
        return _JSON_NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _value(node.operand)
        if type(operand) in (int, float):
            return -operand if isinstance(node.op, ast.USub) else operand
        raise _NotJson
    if isinstance(node, ast.JoinedStr) and all(isinstance(part, ast.Constant) for part in node.values):
        return "".join(str(part.value) for part in node.values)  # type: ignore[attr-defined]
    raise _NotJson


def _dotted_name(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _tool_call(node: ast.Call) -> ToolCall | None:
    name = _dotted_name(node.func)
    if name is None:
        return None
    arguments: dict[str, Any] = {}
    try:
        for keyword in node.keywords:
            if keyword.arg is None:  # ``**kwargs``
                return None
            arguments[keyword.arg] = _value(keyword.value)
    except (_NotJson, RecursionError):
        return None
    return ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments)))


def split_top_level(source: str, start: int, end: int) -> list[tuple[int, int]] | None:
    """Spans of ``source[start:end]`` split at commas outside brackets and quotes, in one pass.

    ``None`` when the split cannot help a salvage: more than ``MAX_SALVAGED`` elements, or brackets
    nested deeper than ``ast.parse`` accepts anyway (so bait gives up early instead of walking on).
    """
    spans: list[tuple[int, int]] = []
    depth = 0
    quote = ""
    begin = start
    escaped = -1
    for match in _SPECIAL.finditer(source, start, end):
        ch = match.group()
        i = match.start()
        if quote:
            if ch == "\\" and escaped != i:
                escaped = i + 1
            elif ch == quote and escaped != i:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
            if depth > _MAX_DEPTH:
                return None
        elif ch in _CLOSE:
            depth -= 1
        elif ch == "," and depth == 0:
            spans.append((begin, i))
            if len(spans) >= MAX_SALVAGED:
                return None
            begin = i + 1
    spans.append((begin, end))
    return spans


def _escape_control_characters(source: str) -> str:
    """Raw newlines/tabs inside string literals (models write them) escaped, so the source parses."""
    out: list[str] = []
    quote = ""
    escaped = False
    for ch in source:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            elif ch in "\n\r\t\x00":
                out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x00": "\\x00"}[ch])
                continue
        elif ch in "'\"":
            quote = ch
        out.append(ch)
    return "".join(out)


def decode_call_list(source: str) -> list[ToolCall]:
    """The calls in ``source``, the text of a Python list of calls (``[...]``); ``[]`` when it is not one."""
    source = source.strip()
    if len(source) < 2 or source[0] != "[" or source[-1] != "]":
        return []
    fast = _fast_decode(source)
    if fast is not None:
        return fast
    node = _parse_expression(source)
    if node is None and any(ch in source for ch in "\n\r\t\x00"):
        node = _parse_expression(_escape_control_characters(source))
    if node is None:
        return _salvage(source)
    if not isinstance(node, ast.List) or not all(isinstance(item, ast.Call) for item in node.elts):
        return []
    calls = []
    for item in node.elts:
        call = _tool_call(item)  # type: ignore[arg-type]
        if call is not None:
            calls.append(call)
    return calls


def _salvage(source: str) -> list[ToolCall]:
    """Each top-level element parsed on its own: one broken call must not lose its siblings."""
    spans = split_top_level(source, 1, len(source) - 1)
    if spans is None or len(spans) < 2:
        return []
    calls = []
    for begin, end in spans:
        node = _parse_expression(source[begin:end].strip())
        if isinstance(node, ast.Call):
            call = _tool_call(node)
            if call is not None:
                calls.append(call)
    return calls


def _fast_decode(source: str) -> list[ToolCall] | None:
    """The calls of a plain list, or ``None`` when the list is not plain (``ast`` decides then)."""
    try:
        found = scan_call_list(source)
    except (Fallback, ValueError, RecursionError):
        return None
    return [ToolCall(make_call_id(), FunctionCall(name, arguments)) for name, arguments in found]


class PythonicListParser(ToolCallParser):
    """The completion (after any reasoning) *is* a list of calls, optionally between two tokens.

    ``open_token`` / ``close_tokens`` wrap the list (Llama 4's ``<|python_start|>`` ... ``<|python_end|>``);
    ``trailing_tokens`` are end-of-turn tokens tolerated after it. Text before ``open_token`` is content;
    text after the list makes the whole completion content, as in vLLM (its ``ast.parse`` fails).

    Streaming sends the calls when the text ends, not as they are written: until the list is whole no
    call is certain. vLLM's own tests drop a call for what follows its name (``bad(x=b'z')``,
    ``calc(x=1e999)``, a broken quote: ``test_bad_sibling_call_does_not_drop_good_calls`` and its
    neighbours) or the whole list for a wrong bracket (``test_streaming_mismatched_brackets_reported_once``),
    and a non-call element or prose after the list makes it content; a name sent early could not be
    taken back. The formats with an end token (``lfm2``, ``olmo3``) send theirs at that token.
    """

    open_token: str = ""
    close_tokens: tuple[str, ...] = ()
    trailing_tokens: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "start_markers" not in cls.__dict__:
            cls.start_markers = ("[", cls.open_token) if cls.open_token else ("[",)

    def extract(self, text: str) -> ParsedCompletion | None:
        think_end = text.rfind(THINK_END)
        start = think_end + len(THINK_END) if think_end >= 0 else 0
        n = len(text)
        while start < n and text[start].isspace():
            start += 1
        body = start
        if self.open_token:  # text before the opening token is content
            tag = text.find(self.open_token, start)
            if tag >= 0:
                start, body = tag, tag + len(self.open_token)
        end = len(text.rstrip())
        stripped = True
        while stripped:
            stripped = False
            for token in (*self.close_tokens, *self.trailing_tokens):
                if token and text.endswith(token, body, end):
                    end -= len(token)
                    while end > body and text[end - 1].isspace():
                        end -= 1
                    stripped = True
        if not text.startswith("[", _skip_space(text, body, end)):
            return None
        calls = decode_call_list(text[body:end])
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, start), tool_calls=calls)


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos
