# ruff: noqa: E501  (model outputs quoted whole, as in the reference suites)
"""``longcat``: LongCat-Flash-Chat output, the hermes JSON format in ``<longcat_tool_call>`` tags."""

from __future__ import annotations

import json

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import ESCAPED_STRING_ARGUMENTS, VARIOUS_TYPES_ARGUMENTS
from hermes_testkit.parser_helpers import decoded_calls as calls
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


# vLLM tests/tool_parsers/test_longcat_tool_parser.py::TestLongCatToolParser (ToolParserTestConfig outputs)
VLLM_SINGLE = '<longcat_tool_call>{"name": "get_weather", "arguments": {"city": "Tokyo"}}</longcat_tool_call>'
VLLM_CASES = [
    (
        "This is a regular response without any tool calls.",
        [],
        "This is a regular response without any tool calls.",
    ),
    (VLLM_SINGLE, [("get_weather", {"city": "Tokyo"})], None),
    (
        VLLM_SINGLE + "\n"
        '<longcat_tool_call>{"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}}</longcat_tool_call>',
        [("get_weather", {"city": "Tokyo"}), ("get_time", {"timezone": "Asia/Tokyo"})],
        None,
    ),
    (
        '<longcat_tool_call>{\n  "name": "test_function",\n  "arguments": {\n    "string_field": "hello",\n'
        '    "int_field": 42,\n    "float_field": 3.14,\n    "bool_field": true,\n    "null_field": null,\n'
        '    "array_field": ["a", "b", "c"],\n    "object_field": {"nested": "value"},\n    "empty_array": [],\n'
        '    "empty_object": {}\n  }\n}</longcat_tool_call>',
        [
            (
                "test_function",
                VARIOUS_TYPES_ARGUMENTS,
            )
        ],
        None,
    ),
    ('<longcat_tool_call>{"name": "refresh", "arguments": {}}</longcat_tool_call>', [("refresh", {})], None),
    (
        "Let me check the weather for you.\n" + VLLM_SINGLE + "\nHere is the result.",
        [("get_weather", {"city": "Tokyo"})],
        "Let me check the weather for you.",
    ),
    (
        '<longcat_tool_call>{\n  "name": "test_function",\n  "arguments": {\n    "quoted": "He said \\"hello\\"",\n'
        '    "path": "C:\\\\Users\\\\file.txt",\n    "newline": "line1\\nline2",\n    "unicode": "emoji: 🎉"\n'
        "  }\n}</longcat_tool_call>",
        [
            (
                "test_function",
                ESCAPED_STRING_ARGUMENTS,
            )
        ],
        None,
    ),
]


def test_vllm_common_cases():
    for text, expected, content in VLLM_CASES:
        parsed = parse(text)
        assert calls(parsed) == expected, text
        assert parsed.content == content, text


def test_vllm_malformed_inputs_never_raise():
    for text in [
        '<longcat_tool_call>{"name": "func", "arguments": {',
        '<longcat_tool_call>{"name": "func", "arguments": "not a dict"}</longcat_tool_call>',
        "Some text with <longcat_tool_call>invalid json",
    ]:
        parsed = parse(text)
        for call in parsed.tool_calls:
            json.loads(call.function.arguments)
        if not parsed.tool_calls:
            assert parsed.content == text
