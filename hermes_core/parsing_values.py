"""Typing the raw text values of XML-style tool calls by the request's JSON schema.

qwen3_coder / qwen3_xml, glm, minimax_m2, DSML, seed_oss, step3 and hy_v3 write each argument as raw text
(``<parameter=days>3</parameter>``); vLLM types it by the tool's JSON schema when the request has tools,
and otherwise decodes JSON, then a Python literal, else keeps the text. Every such parser shares this
one implementation: ``schema_types(properties.get(key))`` then ``convert_value(raw, types)``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["convert_value", "schema_types", "tool_property_types"]

_LITERAL_START = frozenset("[{('\"")

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


# NaN / Infinity are not JSON: a value spelled so stays a string.
_loads = json.JSONDecoder(parse_constant=_reject_constant).decode

_STRING_TYPES = frozenset({"string", "str", "text", "varchar", "char", "enum"})
_BOOL_TYPES = frozenset({"boolean", "bool", "binary"})
_INT_PREFIXES = ("int", "uint", "long", "short", "unsigned")
_CONTAINER_TYPES = frozenset({"object", "array", "arr"})


def schema_types(spec: Any) -> tuple[str, ...]:
    """The non-null type names of a property schema: ``type`` (a string or list), ``anyOf``/``oneOf``."""
    if not isinstance(spec, dict):
        return ()
    found: list[str] = []
    kind = spec.get("type")
    if isinstance(kind, str):
        found.append(kind)
    elif isinstance(kind, list):
        found.extend(k for k in kind if isinstance(k, str))
    for key in ("anyOf", "oneOf"):
        for sub in spec.get(key) or ():
            found.extend(schema_types(sub))
    return tuple(t for t in (k.strip().lower() for k in found) if t != "null")


def _literal(value: str) -> Any:
    """``ast.literal_eval`` for values that look like Python literals; ``value`` itself otherwise."""
    stripped = value.strip()
    if stripped and (stripped[0] in _LITERAL_START or stripped in ("True", "False", "None")):
        import ast

        try:
            result = ast.literal_eval(stripped)
            _dumps(result)  # sets, bytes, complex: not JSON, keep the text
        except Exception:
            return value
        return result
    return value


# JSON can start only with one of these (after whitespace); anything else is text or a Python literal.
_JSON_START = frozenset('{["-0123456789tfn')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")
_JSON_WORDS = {"true": True, "false": False, "null": None}


def _untyped(value: str) -> Any:
    """No schema for this value: JSON, then a Python literal, else the text.

    Most values are plain words, numbers and booleans: the first character decides which decoder can
    apply, so no value goes through a ``json.loads`` that raises (an exception costs 3x a decode).
    """
    stripped = value.strip() if value[:1].isspace() or value[-1:].isspace() else value
    first = stripped[:1]
    if first not in _JSON_START and first not in _LITERAL_START:
        return value if stripped not in ("True", "False", "None") else _literal(value)
    if first in "tfn":
        word = _JSON_WORDS.get(stripped, _FAILED)
        return value if word is _FAILED else word
    if stripped.isdigit() and stripped.isascii() and (first != "0" or len(stripped) == 1):
        return int(stripped)
    number = _NUMBER.match(stripped) if first in "-0123456789" else None
    if number is not None:
        if number.group(1) is None and number.group(2) is None:
            return int(stripped)
        result = float(stripped)
        return result if math.isfinite(result) else value
    if first in "-0123456789":
        return value  # "3 days", "2024-01-01": text
    try:
        return _loads(stripped)
    except (ValueError, RecursionError):
        return _literal(value)


_FAILED = object()


def _as_type(value: str, kind: str) -> Any:
    """``value`` converted to schema type ``kind`` the way vLLM does, or ``_FAILED``."""
    if kind in _STRING_TYPES:
        return value
    if kind.startswith(_INT_PREFIXES):
        try:
            return int(value)
        except ValueError:
            return _FAILED
    if kind.startswith(("num", "float")):
        try:
            number = float(value)
        except ValueError:
            return _FAILED
        if not math.isfinite(number):
            return _FAILED
        return int(number) if number.is_integer() else number
    if kind in _BOOL_TYPES:
        return value.strip().lower() == "true"
    if kind in _CONTAINER_TYPES or kind.startswith(("dict", "list")):
        try:
            return _loads(value)
        except (ValueError, RecursionError):
            pass
    result = _literal(value)
    return _FAILED if result is value else result


def convert_value(value: str, types: tuple[str, ...] | None) -> Any:
    """Type one parameter value. ``types`` is ``None`` when no schema describes it."""
    if len(value) == 4 and value.lower() == "null":  # vLLM: null is None whatever the declared type
        return None
    if not types:
        return _untyped(value)
    for kind in types:
        result = _as_type(value, kind)
        if result is not _FAILED:
            return result
    return value  # vLLM keeps the text when it does not fit the declared type


def tool_property_types(tools: list[dict[str, Any]] | None) -> dict[str, dict[str, tuple[str, ...]]]:
    """``{tool name: {parameter: schema types}}`` for OpenAI ``tools`` definitions (first one wins)."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for tool in tools or ():
        function = tool.get("function", tool) if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            continue
        parameters = function.get("parameters")
        properties = parameters.get("properties") if isinstance(parameters, dict) else None
        if not isinstance(properties, dict):
            properties = {}
        out.setdefault(function["name"], {key: schema_types(spec) for key, spec in properties.items()})
    return out
