"""A call's JSON arguments in the normalised form vLLM's harmony parse gives, as far as they are written.

vLLM's non-streaming parse re-encodes a call's arguments (``json.dumps(json.loads(text))``; its
``test_harmony.py::test_single_tool_call`` wants ``{"location": "Tokyo"}`` for
``{\\n"location": "Tokyo"\\n}``), while its stream sends the model's text: the two differ. Here both are
the re-encoded form: the object is read up to its last commit point
(:func:`~hermes_core.parsing_partial.json_object_prefix`), closed, decoded and encoded as
:func:`~hermes_core.parsing.encode_arguments` encodes; less the closing brackets it is a prefix of the
encoding of any object that continues it. Two details keep it so: a key written twice keeps both pairs (a
dict would move the later value into the first one's place, changing text already sent), and a string is
never committed between the two halves of a surrogate pair (``\\ud83d\\ude00`` is one
character, its first half alone another).
"""

from __future__ import annotations

import json
import re
from typing import Any

from hermes_core.parsing import encode_arguments
from hermes_core.parsing_partial import json_object_prefix
from hermes_core.parsing_tags import JSON_ERRORS

__all__ = ["object_arguments"]


class _Repeated:
    """A JSON object with a key written twice: every pair, in order."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Repeated:
    obj = dict(pairs)
    return obj if len(obj) == len(pairs) else _Repeated(pairs)


_scan = json.JSONDecoder(object_pairs_hook=_object).scan_once
_encode_string = json.encoder.encode_basestring
_encode_scalar = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}")


def _quote(text: str) -> str:
    return '"' + text + '"'


# Strings decoded from JSON text without a backslash hold no quote, backslash or control character (the
# decoder is strict): their encoding is the text quoted, ~40x cheaper than escaping it char by char. The
# same encoder as :func:`~hermes_core.parsing.encode_arguments` otherwise (separators, numbers, no ASCII).
_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_encode_unescaped = (
    _make_encoder(None, json.JSONEncoder().default, _quote, None, ": ", ", ", False, False, True)
    if _make_encoder is not None
    else None
)


def _encode(value: Any) -> str:
    """The encoding of a decoded object, a key written twice kept twice."""
    if type(value) is dict or type(value) is _Repeated:
        try:
            return encode_arguments(value)  # no repeated key anywhere in it: the core's encoder
        except TypeError:
            pairs = value.pairs if type(value) is _Repeated else value.items()
            return "{" + ", ".join(_encode_string(k) + ": " + _encode(v) for k, v in pairs) + "}"
    if type(value) is list:
        return "[" + ", ".join(map(_encode, value)) + "]"
    return _encode_scalar(value)


def _before_high_surrogate(body: str, start: int, commit: int) -> int:
    """``commit`` moved before a ``\\uD8xx`` escape that ends it (its low half may follow)."""
    at = commit - 6
    if at < start or _HIGH_SURROGATE.match(body, at, commit) is None:
        return commit
    backslashes = at
    while backslashes > start and body[backslashes - 1] == "\\":
        backslashes -= 1
    return at if (at - backslashes) % 2 == 0 else commit  # an escaped backslash is not an escape


def object_arguments(body: str, start: int) -> tuple[str, str]:
    """The arguments object opening at ``body[start]``: ``(arguments, certain)``. ``arguments`` is what
    ``parse()`` gives (a cut-off or broken object closed at its last commit point; text after a whole one
    ignored), ``certain`` the prefix of it that no text added to ``body`` changes."""
    try:
        value, _ = _scan(body, start)
    except JSON_ERRORS:
        value = None
    if type(value) is dict:
        try:
            if _encode_unescaped is not None and body.find("\\", start) < 0:
                arguments = "".join(_encode_unescaped(value, 0))
            else:
                arguments = encode_arguments(value)
        except TypeError:  # a key written twice inside
            arguments = _encode(value)
        return arguments, arguments
    if type(value) is _Repeated:
        arguments = _encode(value)
        return arguments, arguments
    found = json_object_prefix(body, start)
    commit = found.commit
    if found.closure.startswith('"'):
        commit = _before_high_surrogate(body, start, commit)
    try:
        value, _ = _scan(body[start:commit] + found.closure, 0)
    except JSON_ERRORS:  # pragma: no cover - the closure always makes a document
        return "{}", "{"
    arguments = _encode(value)
    return arguments, arguments[: len(arguments) - len(found.closure)]
