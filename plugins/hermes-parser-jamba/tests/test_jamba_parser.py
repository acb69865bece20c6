"""jamba: conformance plus the cases of vLLM's tests/tool_parsers/test_jamba_tool_parser.py."""

import json

import pytest

from hermes_core.parsing_stream import join_deltas
from hermes_core.plugins import get_hermes
from hermes_testkit.parsers import ParserConformance, ParserSample

DALLAS = {"city": "Dallas", "state": "TX", "unit": "fahrenheit"}
ORLANDO = {"city": "Orlando", "state": "FL", "unit": "fahrenheit"}
SINGLE = (
    ' <tool_calls>[\n    {"name": "get_current_weather", "arguments": '
    + json.dumps(DALLAS)
    + "}\n]</tool_calls>"
)
WITH_CONTENT = (
    ' Sure! let me call the tool for you.<tool_calls>[\n    {"name": "get_current_weather", "arguments": '
    + json.dumps(DALLAS)
    + "}\n]</tool_calls>"
)
PARALLEL = (
    ' <tool_calls>[\n    {"name": "get_current_weather", "arguments": ' + json.dumps(DALLAS) + "},\n"
    '    {"name": "get_current_weather", "arguments": ' + json.dumps(ORLANDO) + "}\n]</tool_calls>"
)


def parser():
    return get_hermes().parser("jamba")


class TestJambaConformance(ParserConformance):
    parser_name = "jamba"
    samples = [
        ParserSample(SINGLE, [("get_current_weather", DALLAS)]),
        ParserSample(
            WITH_CONTENT, [("get_current_weather", DALLAS)], content=" Sure! let me call the tool for you."
        ),
        ParserSample(PARALLEL, [("get_current_weather", DALLAS), ("get_current_weather", ORLANDO)]),
    ]


def test_extract_tool_calls_no_tools():
    # vLLM ::test_extract_tool_calls_no_tools
    assert parser().parse("This is a test").content == "This is a test"


@pytest.mark.parametrize(
    "text,expected,content",
    [  # vLLM ::test_extract_tool_calls (every id)
        pytest.param(SINGLE, [DALLAS], None, id="single_tool"),
        pytest.param(
            WITH_CONTENT, [DALLAS], " Sure! let me call the tool for you.", id="single_tool_with_content"
        ),
        pytest.param(PARALLEL, [DALLAS, ORLANDO], None, id="parallel_tools"),
    ],
)
def test_extract_tool_calls(text, expected, content):
    parsed = parser().parse(text)
    assert [(c.function.name, c.function.arguments) for c in parsed.tool_calls] == [
        ("get_current_weather", json.dumps(args)) for args in expected
    ]
    assert parsed.content == content
    # vLLM ::test_extract_tool_calls_streaming: the streamed calls are the same
    s = parser().stream()
    _, streamed = join_deltas(
        [d for i in range(0, len(text), 4) for d in s.feed(text[i : i + 4])] + s.finish()
    )
    assert [json.loads(c["function"]["arguments"]) for c in streamed] == expected


def test_extract_tool_calls_streaming_arguments_in_single_delta():
    # vLLM ::test_extract_tool_calls_streaming_arguments_in_single_delta
    s = parser().stream()
    deltas = []
    for chunk in [
        '<tool_calls>[{"name": "get_current_weather"',
        ",",
        ' "arguments": {"city": "Dallas", "state": "TX"}}]',
        "</tool_calls>",
    ]:
        deltas += s.feed(chunk)
    _, streamed = join_deltas(deltas + s.finish())
    assert json.loads(streamed[0]["function"]["arguments"]) == {"city": "Dallas", "state": "TX"}


def test_element_without_arguments_makes_the_text_content_like_vllm():
    text = '<tool_calls>[{"name": "a"}]</tool_calls>'
    assert parser().parse(text).content == text
