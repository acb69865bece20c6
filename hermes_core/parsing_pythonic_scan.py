"""The fast path of the pythonic decoder: a plain call list read straight into JSON argument text.

``[write_file(path='a.py', content='...20 KB...')]`` is by far the common case. Decoding each literal
to a Python value and encoding the arguments again costs two per-character passes over every string;
here a string literal is found with ``str.find`` and, when it holds nothing JSON must escape, copied
into the JSON text as it is (``f(a='x', b=1)`` -> ``{"a": "x", "b": 1}``, the spelling
:func:`hermes_core.parsing.encode_arguments` gives).

Only a strict subset is read: bare/dotted names, keyword arguments (each once), quoted strings whose
escapes are ``\\n \\t \\r \\\\ \\" \\'``, plain decimal numbers, ``True``/``False``/``None`` and the JSON
spellings, lists and dicts with string keys (each once). Anything else raises :class:`Fallback` and the
``ast`` path decides, so both give the same calls wherever this one answers (a differential test in
``plugins/hermes-parser-pythonic`` holds it).
"""

from __future__ import annotations

import keyword
import math
import re
from json.encoder import encode_basestring

__all__ = ["Fallback", "scan_call_list"]

MAX_DEPTH = 100  # CPython's parser stops at 200 nested brackets

_WS = re.compile(r"[ \t\r\n]*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?(?![0-9A-Za-z_.])")
_CONSTANTS = {"True": "true", "False": "false", "None": "null"}
_CONSTANTS.update((value, value) for value in list(_CONSTANTS.values()))  # the JSON spellings too
_BAD_ESCAPE = re.compile(r"\\[^ntr\"'\\]")  # an escape outside the set JSON shares (or ``\'``)
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_CHARS = tuple(chr(i) for i in range(32))
_SHORT = 256  # below this, a regex scan is cheaper than 32 ``in`` checks


class Fallback(Exception):
    """The fast path cannot answer: let ``ast`` decide."""


def _has_control(text: str) -> bool:
    if len(text) < _SHORT:
        return _CONTROL.search(text) is not None
    return any(map(text.__contains__, _CONTROL_CHARS))  # each a memchr: no per-character loop


def string_end(source: str, pos: int) -> int:
    """Where the string literal opening at ``source[pos]`` closes (its quote's index), or -1."""
    quote = source[pos]
    end = pos
    while True:
        end = source.find(quote, end + 1)
        if end < 0:
            return -1
        back = end - 1
        while source[back] == "\\":
            back -= 1
        if (end - 1 - back) % 2 == 0:  # an even run of backslashes: the quote is not escaped
            return end


def string_json(body: str, quote: str) -> str | None:
    """The JSON text of the Python string literal whose body (between ``quote``s) is ``body``; ``None``
    when its escapes are not the shared few (the ``ast`` path reads it then)."""
    if "\\" not in body:  # the value is the body itself (raw newlines included, as the ast path reads)
        if len(body) < _SHORT or '"' in body or _has_control(body):
            return encode_basestring(body)
        return '"' + body + '"'
    if _has_control(body):
        return None  # raw control characters next to escapes: left to the ast path
    # ``\\`` pairs apart, every backslash starts a one-character escape (Python reads left to right,
    # as ``split`` does); each piece is checked and fixed on its own, so ``\\'`` is never misread
    pieces = body.split("\\\\") if "\\\\" in body else [body]
    apostrophe = "\\'" in body
    double_quote = quote == "'" and '"' in body  # raw ``"`` must be escaped, ``\"`` may be either
    for index, piece in enumerate(pieces):
        if "\\" in piece:
            if _BAD_ESCAPE.search(piece) is not None or piece.endswith("\\"):
                return None
            if apostrophe:
                piece = piece.replace("\\'", "'")
        if double_quote:
            piece = piece.replace('\\"', '"').replace('"', '\\"')
        pieces[index] = piece
    return '"' + "\\\\".join(pieces) + '"'


def _value(source: str, pos: int, depth: int, out: list[str]) -> int:
    """Append the JSON text of the literal at ``source[pos]`` to ``out``; return where it ends."""
    if depth > MAX_DEPTH or pos >= len(source):
        raise Fallback
    char = source[pos]
    if char == "'" or char == '"':
        end = string_end(source, pos)
        text = string_json(source[pos + 1 : end], char) if end > 0 else None
        if text is None:
            raise Fallback
        out.append(text)
        return end + 1
    if char == "-" or "0" <= char <= "9":
        match = _NUMBER.match(source, pos)
        if match is None:
            raise Fallback
        if match.group(1) is None and match.group(2) is None:
            out.append(repr(int(match.group())))  # ``-0`` is ``0``
        else:
            number = float(match.group())
            if not math.isfinite(number):
                raise Fallback
            out.append(repr(number))
        return match.end()
    if char == "[":
        out.append("[")
        pos = _WS.match(source, pos + 1).end()
        first = True
        while not source.startswith("]", pos):
            if not first:
                out.append(", ")
            first = False
            pos = _after_item(source, _value(source, pos, depth + 1, out), "]")
        out.append("]")
        return pos + 1
    if char == "{":
        out.append("{")
        pos = _WS.match(source, pos + 1).end()
        keys: set[str] = set()
        while not source.startswith("}", pos):
            if source[pos : pos + 1] not in ("'", '"'):
                raise Fallback
            end = string_end(source, pos)
            key = string_json(source[pos + 1 : end], source[pos]) if end > 0 else None
            if key is None or key in keys:
                raise Fallback  # a key written twice: the ast path keeps the last value
            keys.add(key)
            if len(keys) > 1:
                out.append(", ")
            out.append(key)
            out.append(": ")
            pos = _WS.match(source, end + 1).end()
            if not source.startswith(":", pos):
                raise Fallback
            pos = _value(source, _WS.match(source, pos + 1).end(), depth + 1, out)
            pos = _after_item(source, pos, "}")
        out.append("}")
        return pos + 1
    match = _IDENT.match(source, pos)
    if match is None or match.group() not in _CONSTANTS:
        raise Fallback
    out.append(_CONSTANTS[match.group()])
    return match.end()


def _after_item(source: str, pos: int, closer: str) -> int:
    """Past the separator after an item: at the closer, or at the next item."""
    pos = _WS.match(source, pos).end()
    if source.startswith(",", pos):
        return _WS.match(source, pos + 1).end()
    if source.startswith(closer, pos):
        return pos
    raise Fallback


_KEYWORDS = frozenset(keyword.kwlist)
_HEAD = re.compile(r"[ \t\r\n]*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)[ \t\r\n]*\([ \t\r\n]*")
# ``key='short string'`` / ``key=12`` / ``key=True`` and the separator after it, in one match: most
# arguments are short, and a regex per part costs more than the value itself.
_SHORT_ARGUMENT = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n]*=(?!=)[ \t\r\n]*"
    r"(?:'([^'\"\\\x00-\x1f]{0,200}+)'|\"([^'\"\\\x00-\x1f]{0,200}+)\""
    r"|(-?[1-9][0-9]{0,15}|0)(?![0-9A-Za-z_.])|(True|False|None|true|false|null)(?![0-9A-Za-z_]))"
    r"[ \t\r\n]*([,)])[ \t\r\n]*"
)
_ARGUMENT_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n]*=(?!=)[ \t\r\n]*")


def _arguments(source: str, pos: int) -> tuple[str, int]:
    """The JSON object of the keyword arguments from ``source[pos]`` (past ``(``); where ``)`` ends."""
    out = ["{"]
    keys: set[str] = set()
    while not source.startswith(")", pos):
        match = _SHORT_ARGUMENT.match(source, pos)
        short = match is not None
        if not short:
            match = _ARGUMENT_NAME.match(source, pos)
            if match is None:
                raise Fallback
        key = match.group(1)
        if key in keys or key in _KEYWORDS:
            raise Fallback  # a name written twice: the ast path keeps the last value
        if keys:
            out.append(", ")
        keys.add(key)
        out.append('"' + key + '": ')
        if not short:
            pos = _after_item(source, _value(source, match.end(), 1, out), ")")
            continue
        _, single, double, integer, constant, separator = match.groups()
        if single is not None or double is not None:
            out.append('"' + (single if single is not None else double) + '"')
        else:
            out.append(integer if integer is not None else _CONSTANTS[constant])
        pos = match.end() if separator == "," else match.start(6)
    out.append("}")
    return "".join(out), pos + 1


def scan_call_list(source: str) -> list[tuple[str, str]]:
    """``(name, JSON arguments)`` of each call in the plain list ``source`` (``[...]``, stripped).

    Raises :class:`Fallback` when the list is not plain (``ValueError``/``RecursionError`` too).
    """
    calls: list[tuple[str, str]] = []
    pos = _WS.match(source, 1).end()
    while not source.startswith("]", pos):
        head = _HEAD.match(source, pos)
        if head is None:
            raise Fallback
        name = head.group(1)
        if not _KEYWORDS.isdisjoint(name.split(".")):
            raise Fallback
        arguments, pos = _arguments(source, head.end())
        calls.append((name, arguments))
        pos = _after_item(source, pos, "]")
    if pos != len(source) - 1:
        raise Fallback
    return calls
