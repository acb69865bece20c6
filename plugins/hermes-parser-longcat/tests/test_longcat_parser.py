"""``longcat``: LongCat-Flash-Chat output, the hermes JSON format in ``<longcat_tool_call>`` tags."""

from __future__ import annotations

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parsers import ParserConformance, ParserSample

SINGLE = (
    '<longcat_tool_call>\n{"name": "get_weather", "arguments": {"location": "Beijing"}}\n</longcat_tool_call>'
)
PARALLEL = (
    "I'll query both cities.\n"
    '<longcat_tool_call>\n{"name": "get_weather", "arguments": {"location": "北京"}}\n</longcat_tool_call>\n'
    '<longcat_tool_call>\n{"name": "get_weather", "arguments": {"location": "上海", "unit": "celsius"}}\n'
    "</longcat_tool_call>"
)


def parse(text: str):
    return get_hermes().parser("longcat").parse(text)


def calls(parsed):
    return [(c.function.name, json.loads(c.function.arguments)) for c in parsed.tool_calls]


class TestLongcatConformance(ParserConformance):
    parser_name = "longcat"
    samples = [
        ParserSample(text=SINGLE, calls=[("get_weather", {"location": "Beijing"})]),
        ParserSample(
            text=PARALLEL,
            calls=[
                ("get_weather", {"location": "北京"}),
                ("get_weather", {"location": "上海", "unit": "celsius"}),
            ],
            content="I'll query both cities.",
        ),
        ParserSample(
            text=(
                '<longcat_tool_call>{"name": "run", "arguments": {"cmd": "echo \\"a\\tb\\" | wc -c", '
                '"env": {"X": [1, {"y": null}]}}}</longcat_tool_call>'
            ),
            calls=[("run", {"cmd": 'echo "a\tb" | wc -c', "env": {"X": [1, {"y": None}]}})],
        ),
    ]


def test_single_call():
    parsed = parse(SINGLE)
    assert calls(parsed) == [("get_weather", {"location": "Beijing"})] and parsed.content is None


def test_hermes_tags_are_not_longcat():
    text = '<tool_call>{"name": "f", "arguments": {}}</tool_call>'
    assert parse(text).tool_calls == []


def test_string_arguments_not_double_encoded():
    parsed = parse('<longcat_tool_call>{"name": "f", "arguments": "{\\"q\\": 1}"}</longcat_tool_call>')
    assert parsed.tool_calls[0].function.arguments == '{"q": 1}'


def test_truncated():
    text = '<longcat_tool_call>\n{"name": "get_weather", "argum'
    parsed = parse(text)
    assert parsed.tool_calls == [] and parsed.content == text
    assert calls(parse('<longcat_tool_call>{"name": "f", "arguments": {}}')) == [("f", {})]


def test_malformed_block_skipped():
    """Deliberately better than vLLM (all-or-nothing): the good block survives a bad one."""
    text = '<longcat_tool_call>{oops}</longcat_tool_call><longcat_tool_call>{"name": "g"}</longcat_tool_call>'
    assert calls(parse(text)) == [("g", {})]
