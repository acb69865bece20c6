"""The certain part of a tool call that has not ended yet, so a stream can forward it before the end.

A stream may only send what the whole-text ``parse()`` will surely give, whatever text follows: sent
deltas cannot be taken back. Parsers that stream incrementally therefore share one rule for a JSON
argument object that stops early (cut off, or broken by a bad token): the call keeps the part up to the
last *commit point* and is closed there. :func:`json_object_prefix` finds that point; the stream sends
the text up to it as it arrives and ``parse()`` of a cut-off text gives the same text plus the closing
brackets, so the streamed pieces are always a prefix of the final arguments (the invariant holds by
construction, not by luck of the cuts).

Commit points lie after an opening bracket, inside a string value (never inside an escape) and after a
complete value; never after a comma, a key or a colon, nor inside a number or ``true`` (``1`` may still
become ``12``). So the closure is always ``"`` (when inside a string) and the matching brackets.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonPrefix", "PartialCall", "ended_calls_view", "json_object_prefix", "open_calls_view"]


@dataclass(slots=True)
class PartialCall:
    """One call as far as it is certain: its name, a prefix of its final arguments, and whether it ended.

    ``end`` is where the call's text ends in the completion when ``closed`` (the next call is looked for
    from there), else -1.
    """

    name: str
    arguments: str
    closed: bool = False
    end: int = -1
    id: str | None = None
    """The call's id where the format writes one (else the stream makes one)."""


@dataclass(slots=True)
class JsonPrefix:
    """What :func:`json_object_prefix` found: the certain text ``[start, commit)``, the ``closure`` that
    makes it a JSON document, and ``end``: where the object ended (complete), where it broke (error), or
    -1 when the text stopped first."""

    commit: int
    closure: str
    end: int
    complete: bool


_SPACE = re.compile(r"[ \t\r\n]*")
_STRING_BODY = re.compile(r'[^"\\\x00-\x1f]*')
_ESCAPE = re.compile(r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORDS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")  # what ``json`` reads
_CLOSE = {"{": "}", "[": "]"}


def json_object_prefix(text: str, start: int, stop: int | None = None) -> JsonPrefix:
    """Read the JSON object opening at ``text[start]`` (a ``{``) as far as it goes, up to ``stop``.

    Linear: strings are skipped by regex, never char by char.
    """
    end_of_text = len(text) if stop is None else stop
    stack: list[str] = []
    pos = start
    commit = start
    commit_stack: tuple[str, ...] = ()
    in_string_commit = False
    # what may come next: "value", "key" (or close), "colon", "comma" (or close)
    expect = "value"
    while True:
        pos = _SPACE.match(text, pos, end_of_text).end()
        if pos >= end_of_text:
            return _cut(commit, commit_stack, in_string_commit, -1)
        char = text[pos]
        if expect in ("value", "key") and char in "{[" and expect == "value":
            stack.append(char)
            pos += 1
            expect = "key" if char == "{" else "value"
            commit, commit_stack, in_string_commit = pos, tuple(stack), False
            continue
        if char in "}]" and stack and _CLOSE[stack[-1]] == char and expect in ("key", "comma", "value"):
            if expect == "value" and (stack[-1] != "[" or text[commit - 1 : commit] != "["):
                return _cut(commit, commit_stack, in_string_commit, pos)  # ``[1, ]``: a value was due
            if expect == "key" and text[commit - 1 : commit] != "{":
                return _cut(commit, commit_stack, in_string_commit, pos)  # ``{"a": 1, }``
            stack.pop()
            pos += 1
            commit, commit_stack, in_string_commit = pos, tuple(stack), False
            if not stack:
                return JsonPrefix(pos, "", pos, True)
            expect = "comma"
            continue
        if char == '"' and expect in ("value", "key"):
            is_key = expect == "key"
            pos += 1
            while True:
                pos = _STRING_BODY.match(text, pos, end_of_text).end()
                if not is_key:
                    commit, commit_stack, in_string_commit = pos, tuple(stack), True
                if pos >= end_of_text:
                    return _cut(commit, commit_stack, in_string_commit, -1)
                char = text[pos]
                if char == '"':
                    pos += 1
                    break
                if char != "\\":
                    return _cut(commit, commit_stack, in_string_commit, pos)  # a raw control character
                escape = _ESCAPE.match(text, pos, end_of_text)
                if escape is None:
                    if end_of_text - pos < 6 and _escape_may_continue(text, pos, end_of_text):
                        return _cut(commit, commit_stack, in_string_commit, -1)
                    return _cut(commit, commit_stack, in_string_commit, pos)
                pos = escape.end()
            if is_key:
                expect = "colon"
            else:
                commit, commit_stack, in_string_commit = pos, tuple(stack), False
                expect = "comma"
            continue
        if expect == "colon" and char == ":":
            pos += 1
            expect = "value"
            continue
        if expect == "comma" and char == ",":
            pos += 1
            expect = "key" if stack[-1] == "{" else "value"
            continue
        if expect == "value":
            number = _NUMBER.match(text, pos, end_of_text)
            token_end = number.end() if number is not None and number.end() > pos else -1
            if token_end < 0:
                for word in _WORDS:
                    if text.startswith(word, pos, end_of_text):
                        token_end = pos + len(word)
                        break
                else:
                    rest = text[pos:end_of_text]
                    if any(word.startswith(rest) for word in _WORDS):
                        return _cut(commit, commit_stack, in_string_commit, -1)
                    return _cut(commit, commit_stack, in_string_commit, pos)
            if token_end >= end_of_text:  # ``1`` may still become ``12``
                return _cut(commit, commit_stack, in_string_commit, -1)
            if text[token_end] in ".eE-+0123456789" and text[token_end - 1] not in "el":
                if _number_may_continue(text, pos, end_of_text):
                    return _cut(commit, commit_stack, in_string_commit, -1)
                return _cut(commit, commit_stack, in_string_commit, token_end)
            pos = token_end
            commit, commit_stack, in_string_commit = pos, tuple(stack), False
            expect = "comma"
            continue
        return _cut(commit, commit_stack, in_string_commit, pos)


def _cut(commit: int, stack: tuple[str, ...], in_string: bool, end: int) -> JsonPrefix:
    closure = ('"' if in_string else "") + "".join(_CLOSE[c] for c in reversed(stack))
    return JsonPrefix(commit, closure, end, False)


def _escape_may_continue(text: str, pos: int, stop: int) -> bool:
    """``\\`` or ``\\u12`` at the very end: the escape is cut, not wrong."""
    rest = text[pos:stop]
    return rest == "\\" or (rest[:2] == "\\u" and all(c in "0123456789abcdefABCDEF" for c in rest[2:]))


def _number_may_continue(text: str, pos: int, stop: int) -> bool:
    """A number that reaches the end of the text through ``.``/``e``/``-``: it may still complete."""
    return re.fullmatch(r"-?(?:0|[1-9][0-9]*)?(?:\.[0-9]*)?(?:[eE][-+]?[0-9]*)?", text[pos:stop]) is not None


def open_calls_view(
    text: str, pos: int, read: Callable[[str], tuple[Any, list[int]]]
) -> tuple[list[PartialCall], int]:
    """``partial_calls`` for a key/value format whose ``parse()`` of a cut-off text keeps the last call
    with its complete parameters (a cut-off parameter left out): then ``parse(text)`` is itself the
    certain view. Each call before the last has ended (the next call began); the last is open and its
    arguments are the encoded object less its ``}``, a prefix of the final text for any continuation
    (parameters only ever get appended). ``read(text)`` gives ``(parse result, start of each call)``.

    So the name goes out as soon as its tag closes and each ``"key": value`` once its closing tag is in,
    typed as ``parse()`` types it. Caveat: a parameter name written twice in one call (the later value
    wins, in the first one's place) changes text already sent.
    """
    if text.rfind("<think>") > text.rfind("</think>"):
        return [], pos  # a call quoted while reasoning is not one: wait for the reasoning to end
    parsed, starts = read(text)
    calls = parsed.tool_calls if parsed is not None else []
    if not calls or len(starts) != len(calls):
        return [], pos
    done = bisect_left(starts, pos) if pos > 0 else 0
    out = [
        PartialCall(c.function.name, c.function.arguments, True, starts[done + i + 1], c.id)
        for i, c in enumerate(calls[done:-1])
    ]
    last = calls[-1]
    if len(calls) > done:
        out.append(PartialCall(last.function.name, last.function.arguments[:-1], False, -1, last.id))
    return out, starts[-1]


def ended_calls_view(
    text: str,
    pos: int,
    extract: Callable[[str, list[int], list[int]], Any],
    ready: Callable[[str], bool] | None = None,
) -> tuple[list[PartialCall], int]:
    """:func:`open_calls_view`, and the last call closed (whole, ``}`` included) once its end marker is
    in. ``extract(text, starts, ends)`` is the parser's whole-text read, filling where each call starts and
    where it ended for good (-1: not yet); ``ready(text)``, when given, is false while nothing may be sent
    yet (reasoning still open, or only calls a later one may void)."""
    ends: list[int] = []

    def read_starts(current: str) -> tuple[Any, list[int]]:
        starts: list[int] = []
        ends.clear()
        if ready is not None and not ready(current):
            return None, starts
        return extract(current, starts, ends), starts

    calls, resume = open_calls_view(text, pos, read_starts)
    if not calls:
        return calls, max(pos, resume)  # nothing after a call that closed: stay after it
    last = calls[-1]
    if not last.closed and ends and ends[-1] >= 0:
        last.arguments += "}"
        last.closed, last.end = True, ends[-1]
        resume = ends[-1]
    return calls, resume
