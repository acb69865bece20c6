"""Call objects ``{"name": ..., "arguments": {...}}`` read so that a stream can send them as written.

Shared by the JSON-call parser plugins (llama, mistral, jamba, phi, xlam, internlm, granite).

The rule that makes a call certain before it ends (and that ``parse()`` of a cut-off text follows, so
that what a stream sent is always a prefix of the whole-text result): an object that names the call
first (``{"name": "f", "arguments": {``) is a call once its arguments object holds something, a key
begun (``{"``) or closed (``{}``). From there the arguments are the model's text up to the last
commit point (the rule of :func:`hermes_core.parsing_tags.head_arguments`), closed when the text stops
or breaks. Arguments that break before their first key (``{invalid json}``) make no call: vLLM's
``test_extract_tool_calls_invalid_json`` (tests/parser/engine/test_llama_json.py) and the shared
``malformed_input_outputs`` case ``{"name": "func", "arguments": {`` read as content. Where a format
allows it, arguments written as a JSON string holding an object stream the same way, the object as
written inside the string. Any other shape (arguments first, ``null`` or a plain string as arguments)
counts only once the whole object is decoded. Each call is read once per read of the text: linear.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

from hermes_core.parsing import FunctionCall, ToolCall, make_call_id
from hermes_core.parsing_partial import PartialCall, json_object_prefix
from hermes_core.parsing_tags import JSON_ERRORS, THINK_END, scan_json

__all__ = [
    "CallObject",
    "Decide",
    "first_marker_outside_think",
    "read_call_list",
    "read_call_object",
    "skip_space",
    "stream_view",
    "tool_calls",
]

_HEAD = re.compile(
    r'\{[ \t\r\n]*"name"[ \t\r\n]*:[ \t\r\n]*"([^"\\]*)"[ \t\r\n]*,[ \t\r\n]*'
    r'"(arguments|parameters)"[ \t\r\n]*:[ \t\r\n]*(?=[{"])'
)
# a JSON string's body as far as it is complete (no cut escape), and a cut escape at the very end
_STRING_BODY = re.compile(r'(?:[^"\\\x00-\x1f]+|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*')
_CUT_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?")
_SPACE = re.compile(r"[ \t\r\n]*")

Decide = Callable[[Any], "tuple[str, str] | None"]
"""A format's rule for a decoded object: ``(name, encoded arguments)`` when it is a call, else ``None``."""


def skip_space(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()


@dataclass(slots=True)
class CallObject:
    """What :func:`read_call_object` found. ``name`` set: a call, with ``arguments + closure`` as
    ``parse()`` gives it (``arguments`` is what a stream may send). ``end``: where reading goes on, or
    -1 when the text stopped inside the object (with ``name`` unset: nothing certain yet)."""

    name: str | None
    arguments: str
    closure: str
    end: int
    whole: bool = True
    """False when the object broke (bad JSON) at ``end``."""


_WAIT = CallObject(None, "", "", -1)


def first_marker_outside_think(text: str, marker: str) -> int:
    """The first ``marker`` not inside a ``<think>`` block (-1 while that block is open). Decided by the
    text before the marker alone, so a later ``</think>`` (inside an argument, say) never moves it."""
    pos = 0
    while True:
        found = text.find(marker, pos)
        if found < 0:
            return -1
        opened = text.find("<think>", pos, found)
        if opened < 0:
            return found
        closed = text.find(THINK_END, opened)
        if closed < 0:
            return -1
        pos = closed + len(THINK_END)


def read_call_object(
    text: str,
    doc: str,
    pos: int,
    keys: tuple[str, ...],
    decide: Decide,
    names: Container[str] | None = None,
    string_arguments: bool = False,
) -> CallObject:
    """The object opening at ``text[pos]`` (a ``{``), read as far as it is certain.

    ``keys``: the argument keys a name-first head may use (``("arguments",)`` where ``parameters`` is
    not one); ``names``: the only call names a head may have (a whitelist), else it waits for the whole
    object and ``decide``; ``string_arguments``: arguments written as a JSON string that holds an object
    (``"arguments": "{\\"a\\": 1}"``, vLLM's granite4 test) stream too, the object as written inside
    the string; ``doc``: ``json_document(text)``.
    """
    head = _HEAD.match(text, pos)
    if head is not None:
        name, key = head.groups()
        name = name.strip()
        if name and key in keys and (names is None or name in names):
            start = head.end()  # the arguments' ``{`` (or ``"``)
            if text[start] == "{":
                if text.startswith('"', start + 1):  # the common case: complete, and the object ends there
                    try:
                        value, end = scan_json(doc, start)
                    except JSON_ERRORS:
                        value = None
                    if type(value) is dict and text.startswith("}", end):
                        return CallObject(name, text[start:end], "", end + 1)
                opens = _opens(text, start)
                if opens < 0:
                    return _WAIT if opens == -1 else CallObject(None, "", "", start + 1, False)
                arguments, closure, end, state = _object(text, doc, start)
                if state == _CUT:
                    return CallObject(name, arguments, closure, -1)
                if state == _BROKEN:  # the call keeps what was certain
                    return CallObject(name, arguments, closure, end, False)
                if text.startswith("}", end):  # the common case: the object ends with its arguments
                    return CallObject(name, arguments, "", end + 1)
                return _rest(text, pos, name, arguments, "", end)
            if string_arguments:
                found = _string_object(text, doc, start)
                if found is _WAIT:
                    return _WAIT
                if found is not None:
                    arguments, closure, end = found
                    if end < 0:
                        return CallObject(name, arguments, closure, -1)
                    return _rest(text, pos, name, arguments, closure, end)
    opening = skip_space(text, pos + 1)
    if opening >= len(text):
        return _WAIT
    if text[opening] not in '"}':  # no JSON object opens so (``{'``, bait): nothing to decode
        return CallObject(None, "", "", opening, False)
    try:
        obj, end = scan_json(doc, pos)
    except JSON_ERRORS:
        found = json_object_prefix(text, pos)
        return _WAIT if found.end < 0 else CallObject(None, "", "", max(found.end, pos + 1), False)
    call = decide(obj)
    if call is None:
        return CallObject(None, "", "", end)
    return CallObject(call[0], call[1], "", end)


_COMPLETE, _CUT, _BROKEN = 0, 1, 2


def _opens(text: str, start: int) -> int:
    """After the ``{`` at ``start``: 1 when a key begins or the object closes (the call is certain), -1
    when the text stops first, -2 when anything else follows (``{invalid json}``: no call)."""
    body = start + 1
    if body < len(text) and text[body] in '"}':
        return 1
    body = skip_space(text, body)
    if body >= len(text):
        return -1
    return 1 if text[body] in '"}' else -2


def _object(text: str, doc: str, start: int) -> tuple[str, str, int, int]:
    """The arguments object at ``text[start]``: ``(as written, closure, end, state)``; cut off or broken,
    kept up to its last commit point (the rule of ``head_arguments``)."""
    try:
        value, end = scan_json(doc, start)
    except JSON_ERRORS:
        value = None
    if type(value) is dict:
        return text[start:end], "", end, _COMPLETE
    found = json_object_prefix(text, start)
    arguments = text[start : found.commit]
    if not found.complete and found.end < 0:
        return arguments, found.closure, -1, _CUT
    return arguments, found.closure, max(found.end, found.commit), _BROKEN if found.closure else _COMPLETE


def _string_object(text: str, doc: str, start: int):
    """String-encoded arguments at ``text[start]`` (a ``"``): ``(object as written inside, closure, end of
    the string or -1)``, ``_WAIT``, or ``None`` when the string does not hold an object (read whole)."""
    try:
        value, end = scan_json(doc, start)
    except JSON_ERRORS:
        value = None
    if type(value) is str:
        inner = value
    else:
        body = _STRING_BODY.match(text, start + 1)
        rest = text[body.end() : body.end() + 6]
        inner = json.loads('"' + body.group() + '"')
        if rest and not (body.end() + len(rest) == len(text) and _CUT_ESCAPE.fullmatch(rest)):
            end = body.end()  # broken (a raw control character, a bad escape): final where it broke
        else:
            end = -1  # cut off: a high surrogate may still get its pair
            if inner and "\ud800" <= inner[-1] <= "\udbff":
                inner = inner[:-1]
    first = skip_space(inner, 0)
    if first >= len(inner):
        return _WAIT if end < 0 else None
    if inner[first] != "{":
        return None
    opens = _opens(inner, first)
    if opens == -1 and end < 0:
        return _WAIT
    if opens < 0:
        return None
    arguments, closure, _, _ = _object(inner, inner, first)
    return arguments, closure, end


def _rest(text: str, pos: int, name: str, arguments: str, closure: str, end: int) -> CallObject:
    """The call whose arguments end at ``end``: where its object ends (more keys may follow)."""
    after = skip_space(text, end)
    if text.startswith("}", after):
        return CallObject(name, arguments, closure, after + 1)
    rest = json_object_prefix(text, pos)
    return CallObject(name, arguments, closure, rest.end, rest.complete)


def read_call_list(
    text: str,
    doc: str,
    pos: int,
    keys: tuple[str, ...],
    decide: Decide,
    skip_others: bool = False,
    string_arguments: bool = False,
) -> tuple[list[CallObject], int]:
    """The calls in the JSON array opening at ``text[pos]`` (a ``[``) and where reading stopped.

    Reading stops after the array's ``]``, at an element that is not a call (unless ``skip_others``:
    then it is skipped), or where the JSON broke; the end is -1 when the text stopped first (the last
    call, if any, is then open: what follows is not known yet).
    """
    calls: list[CallObject] = []
    n = len(text)
    space = _SPACE.match
    pos = pos + 1 if text.startswith("{", pos + 1) else space(text, pos + 1).end()
    if text.startswith("]", pos):
        return calls, pos + 1
    while pos < n:
        if text[pos] != "{":
            return calls, pos
        found = read_call_object(text, doc, pos, keys, decide, None, string_arguments)
        if found.name is not None:
            calls.append(found)
        end = found.end
        if end < 0:
            return calls, -1
        if not found.whole or (found.name is None and not skip_others):
            return calls, end
        pos = end if end < n and text[end] not in " \t\r\n" else space(text, end).end()
        if pos >= n:
            return calls, -1
        char = text[pos]
        if char == "]":
            return calls, pos + 1
        if char != ",":
            return calls, pos
        pos = pos + 2 if text.startswith(" {", pos + 1) else space(text, pos + 1).end()
    return calls, -1


def stream_view(found: list[CallObject], pos: int, make_id: Callable[[], str] | None = None):
    """``partial_calls``' answer from every call read so far: those that ended after ``pos`` (the
    earlier ones were sent), then the open one; ``resume``: where the last one that ended ends."""
    calls = [
        PartialCall(c.name, c.arguments + c.closure, True, c.end)
        if c.end >= 0
        else PartialCall(c.name, c.arguments)
        for c in found
        if c.end < 0 or c.end > pos
    ]
    if make_id is not None:
        for call in calls:
            call.id = make_id()
    closed = [c.end for c in calls if c.closed]
    return calls, closed[-1] if closed else pos


def tool_calls(found: list[CallObject], make_id: Callable[[], str] = make_call_id) -> list[ToolCall]:
    """The calls read, as ``parse()`` gives them (a cut-off one closed at its last complete value)."""
    return [ToolCall(make_id(), FunctionCall(c.name, c.arguments + c.closure)) for c in found]
