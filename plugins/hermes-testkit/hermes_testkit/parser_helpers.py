"""Small helpers that parser test files share, so each job is written once.

``ParserConformance`` (``hermes_testkit.parsers``) checks the contract on a parser's samples; these are
for a family's own tests: stream-vs-parse on extra texts, call tuples, OpenAI tool definitions, and the
argument sets vLLM's shared ``ToolParserTestConfig`` suite reuses for every JSON-style parser.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from typing import Any

from hermes_core.parsing import ParsedCompletion, ToolCallParser
from hermes_core.parsing_stream import ToolCallDelta, ToolCallStream, join_deltas

__all__ = [
    "ESCAPED_STRING_ARGUMENTS",
    "PYTHONIC_EMPTY_DICT",
    "PYTHONIC_EMPTY_LIST",
    "PYTHONIC_ESCAPED",
    "PYTHONIC_MORE_TYPES",
    "PYTHONIC_PARAMETERLESS",
    "PYTHONIC_SIMPLE",
    "VARIOUS_TYPES_ARGUMENTS",
    "CODE_1KB",
    "CODE_20KB",
    "WEATHER_TOOL",
    "assert_call_closes_at_its_end_marker",
    "assert_cuts_match_parse",
    "assert_streams_early",
    "decoded_calls",
    "exact_calls",
    "fed_parts",
    "stream_cuts",
    "stream_until",
    "streamed_calls",
    "streamed_share",
    "tool_definition",
    "tool_definitions",
]

# vLLM tests/tool_parsers/utils.py ToolParserTestConfig: the "various data types" arguments.
VARIOUS_TYPES_ARGUMENTS: dict[str, Any] = {
    "string_field": "hello",
    "int_field": 42,
    "float_field": 3.14,
    "bool_field": True,
    "null_field": None,
    "array_field": ["a", "b", "c"],
    "object_field": {"nested": "value"},
    "empty_array": [],
    "empty_object": {},
}
# ... and the "escaped strings" arguments.
ESCAPED_STRING_ARGUMENTS: dict[str, str] = {
    "quoted": 'He said "hello"',
    "path": "C:\\Users\\file.txt",
    "newline": "line1\nline2",
    "unicode": "emoji: 🎉",
}

# Long values for the streaming checks (issue 21: >= 90 % of a 20 KB argument before its end marker).
CODE_1KB = "\n".join(f"    line {i}: print('x' * {i})" for i in range(40))[:1000]
"""1,000 characters of code: one parameter of a 20 x 1 KB call (key/value formats stream per parameter)."""
CODE_20KB = "\n".join(f"line {i}: print('x' * {i})  # Zürich" for i in range(800))[:20_000]
"""20,000 characters of code with quotes, newlines and a non-ASCII letter: one 20 KB argument."""

# vLLM tests/tool_parsers/test_pythonic_tool_parser.py and test_olmo3_tool_parser.py (module constants):
# each is (the call as the model writes it, (name, arguments JSON) as parsed).
PYTHONIC_SIMPLE = (
    "get_weather(city='San Francisco', metric='celsius')",
    ("get_weather", '{"city": "San Francisco", "metric": "celsius"}'),
)
PYTHONIC_MORE_TYPES = (
    "register_user(name='John Doe', age=37, address={'city': 'San Francisco', 'state': 'CA'}, "
    "role=None, passed_test=True, aliases=['John', 'Johnny'])",
    (
        "register_user",
        '{"name": "John Doe", "age": 37, "address": {"city": "San Francisco", "state": "CA"}, '
        '"role": null, "passed_test": true, "aliases": ["John", "Johnny"]}',
    ),
)
PYTHONIC_PARAMETERLESS = ("get_weather()", ("get_weather", "{}"))
PYTHONIC_EMPTY_DICT = (
    "do_something_cool(additional_data={})",
    ("do_something_cool", '{"additional_data": {}}'),
)
PYTHONIC_EMPTY_LIST = ("do_something_cool(steps=[])", ("do_something_cool", '{"steps": []}'))
PYTHONIC_ESCAPED = (
    r"get_weather(city='Martha\'s Vineyard', metric='\"cool units\"')",
    ("get_weather", '{"city": "Martha\'s Vineyard", "metric": "\\"cool units\\""}'),
)


def tool_definition(
    name: str, properties: dict[str, Any] | None = None, *, description: str | None = None, **schema: Any
) -> dict[str, Any]:
    """One OpenAI tool definition: ``properties`` become an object schema; other keyword arguments
    (``required``, ``$defs``) join that schema; ``description`` describes the function."""
    spec: dict[str, Any] = {"name": name}
    if description is not None:
        spec["description"] = description
    if properties is not None:
        spec["parameters"] = {"type": "object", "properties": properties, **schema}
    return {"type": "function", "function": spec}


WEATHER_TOOL = tool_definition(
    "get_weather",
    {"city": {"type": "string"}, "days": {"type": "integer"}},
    description="Weather for a city",
    required=["city"],
)
"""The tool most tests offer: ``get_weather(city: string, days: integer)``, ``city`` required."""


def tool_definitions(tools: dict[str, dict[str, Any] | None]) -> list[dict[str, Any]]:
    """``{name: properties}`` -> OpenAI ``tools`` (``None`` properties: a tool without parameters)."""
    return [tool_definition(name, properties) for name, properties in tools.items()]


def decoded_calls(parsed: ParsedCompletion) -> list[tuple[str, Any]]:
    """``(name, decoded arguments)`` of each parsed call."""
    return [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls]


def exact_calls(parsed: ParsedCompletion) -> list[tuple[str, str]]:
    """``(name, arguments JSON text)`` of each parsed call, for byte-exact comparisons."""
    return [(c.function.name, c.function.arguments) for c in parsed.tool_calls]


def _stream(parser: ToolCallParser, pieces: Iterable[str]) -> tuple[str | None, list[tuple[str, str]]]:
    stream = parser.stream()
    deltas = []
    for piece in pieces:
        deltas += stream.feed(piece)
    deltas += stream.finish()
    content, calls = join_deltas(deltas)
    return content, [(c["function"]["name"], c["function"]["arguments"]) for c in calls]


def streamed_calls(parser: ToolCallParser, text: str, size: int) -> tuple[str | None, list[tuple[str, str]]]:
    """Content and ``(name, arguments)`` put together from streaming ``text`` in pieces of ``size``."""
    return _stream(parser, (text[i : i + size] for i in range(0, len(text), size)))


def stream_cuts(text: str, sizes: Sequence[int], random_cuts: int, seed: int) -> list[list[int]]:
    """Cut positions: every ``size`` characters for each size, then ``random_cuts`` seeded random cuts."""
    cuts = [list(range(size, len(text), size)) for size in sizes]
    if random_cuts:
        cuts.append(sorted(random.Random(seed).sample(range(len(text)), random_cuts)))
    return cuts


def assert_cuts_match_parse(
    parser: ToolCallParser,
    text: str,
    *,
    sizes: Sequence[int] = (1, 3, 7),
    random_cuts: int = 5,
    seed: int = 0,
) -> list[str | None]:
    """Stream ``text`` cut every way ``stream_cuts`` gives: the kit's stream check
    (:func:`hermes_testkit.parsers.assert_stream_matches_parse`: well-formed deltas, ids, content and calls
    equal to ``parse(text)``) holds for each, and the arguments are byte-exact.

    Returns the streamed contents, for format-specific checks (no marker leaked, ...).
    """
    from hermes_testkit.parsers import assert_stream_matches_parse

    whole = parser.parse(text)
    expected = exact_calls(whole)
    contents = []
    for cuts in stream_cuts(text, sizes, random_cuts, seed):
        bounds = [0, *cuts, len(text)]
        chunks = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        assert_stream_matches_parse(parser, text, chunks)
        content, got = _stream(parser, chunks)
        assert got == expected, (cuts, got, expected)
        contents.append(content)
    return contents


def stream_until(
    parser: ToolCallParser, text: str, stops: Sequence[int], size: int = 16
) -> tuple[list[tuple[list[str], str]], list[dict[str, Any]]]:
    """Feed ``text`` to a new stream in pieces of ``size``, pausing at each index in ``stops``: at each
    pause, the names and the first call's arguments sent so far. Then the rest and ``finish()``: the
    calls put together (``join_deltas``)."""
    stream = parser.stream()
    deltas, seen, fed = [], [], 0
    for stop in [*stops, len(text)]:
        for i in range(fed, stop, size):
            deltas += stream.feed(text[i : min(i + size, stop)])
        fed = stop
        parts = [p for d in deltas for p in d.tool_calls]
        seen.append(
            ([p.name for p in parts if p.name], "".join(p.arguments or "" for p in parts if not p.index))
        )
    deltas += stream.finish()
    return seen[:-1], join_deltas(deltas)[1]


def streamed_share(parser: ToolCallParser, text: str, end: int, size: int = 16) -> float:
    """The share of the first call's final arguments a stream sent before ``text[end:]`` (its end marker)
    came; what it sent must be a prefix of them."""
    ((_, sent),), _ = stream_until(parser, text, [end], size)
    final = parser.parse(text).tool_calls[0].function.arguments
    assert final.startswith(sent), (sent[-80:], final[: len(sent)][-80:])
    return len(sent) / len(final)


def assert_streams_early(
    parser: ToolCallParser,
    text: str,
    *,
    name: str,
    end: int,
    name_by: int | None = None,
    share: float = 0.9,
    size: int = 16,
) -> list[str]:
    """Issue 21's goal for the first call in ``text``: its ``name`` (alone, and no other name until
    ``end``) goes out once ``text[:name_by]`` is in (default ``end``), and at least ``share`` of its final
    arguments before ``text[end:]`` (its end marker), every piece a prefix of ``parse(text)``'s arguments.
    Returns the arguments sent by each stop (``name_by`` when given, then ``end``)."""
    stops = [end] if name_by is None else [name_by, end]
    seen, _ = stream_until(parser, text, stops, size)
    final = parser.parse(text).tool_calls[0].function.arguments
    for stop, (names, sent) in zip(stops, seen, strict=True):
        assert names == [name], f"names sent by {stop}: {names}"
        assert final.startswith(sent), (sent[-80:], final[: len(sent)][-80:])
    sent = seen[-1][1]
    assert len(sent) >= share * len(final), f"{len(sent)} of {len(final)} sent before the end marker"
    return [arguments for _, arguments in seen]


def assert_call_closes_at_its_end_marker(parser: ToolCallParser, call: str) -> None:
    """The first call in ``call`` goes out whole (``}`` included) while prose still follows it, fed a
    character at a time: at its end marker (the stream re-reads as the text grows by a sixteenth), not
    only when the next call begins or the stream ends."""
    text = call + "\nThat is the call; now some words while it runs." * 4
    ((_, sent),), _ = stream_until(parser, text, [len(text)], size=1)
    assert sent == parser.parse(text).tool_calls[0].function.arguments, sent[-80:]


def fed_parts(stream: ToolCallStream, text: str, size: int = 16) -> list[ToolCallDelta]:
    """Feed ``text`` to ``stream`` in pieces of ``size``: the call parts (header or arguments) it sent."""
    return [
        p for i in range(0, len(text), size) for d in stream.feed(text[i : i + size]) for p in d.tool_calls
    ]
