"""phi4_mini_json: conformance plus the ToolParserTestConfig outputs of vLLM's
tests/tool_parsers/test_phi4mini_tool_parser.py."""

import json

import pytest

from hermes_core.plugins import get_hermes
from hermes_testkit.parser_helpers import ESCAPED_STRING_ARGUMENTS, VARIOUS_TYPES_ARGUMENTS
from hermes_testkit.parser_helpers import decoded_calls as calls
from hermes_testkit.parsers import ParserConformance, ParserSample

SINGLE = 'functools[{"name": "get_weather", "arguments": {"city": "Tokyo"}}]'
PARALLEL = """functools[
  {"name": "get_weather", "arguments": {"city": "Tokyo"}},
  {"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}}
]"""


def parse(text):
    return get_hermes().parser("phi4_mini_json").parse(text)


class TestPhi4MiniConformance(ParserConformance):
    parser_name = "phi4_mini_json"
    samples = [
        ParserSample(SINGLE, [("get_weather", {"city": "Tokyo"})]),
        ParserSample(
            PARALLEL, [("get_weather", {"city": "Tokyo"}), ("get_time", {"timezone": "Asia/Tokyo"})]
        ),
    ]


@pytest.mark.parametrize(
    "text,expected",
    [  # vLLM ToolParserTestConfig outputs
        (SINGLE, [("get_weather", {"city": "Tokyo"})]),  # single_tool_call_output
        (PARALLEL, [("get_weather", {"city": "Tokyo"}), ("get_time", {"timezone": "Asia/Tokyo"})]),
        (
            "functools["
            + json.dumps({"name": "test_function", "arguments": VARIOUS_TYPES_ARGUMENTS}, indent=2)
            + "]",
            [("test_function", VARIOUS_TYPES_ARGUMENTS)],
        ),  # various_data_types_output (xfail in vLLM: its regex stops at "]")
        ('functools[{"name": "refresh", "arguments": {}}]', [("refresh", {})]),  # empty_arguments_output
        (
            "functools["
            + json.dumps({"name": "test_function", "arguments": ESCAPED_STRING_ARGUMENTS}, ensure_ascii=False)
            + "]",
            [("test_function", ESCAPED_STRING_ARGUMENTS)],
        ),  # escaped_strings_output
        ('functools[{"name": "f", "parameters": {"x": 1}}]', [("f", {"x": 1})]),  # "parameters" accepted
    ],
)
def test_reference_outputs(text, expected):
    parsed = parse(text)
    assert calls(parsed) == expected and parsed.content is None


def test_surrounding_text():
    # vLLM surrounding_text_output: the call is found; we keep the text before it
    text = "Let me check the weather for you.\n" + SINGLE + "\nWould you like to know more?"
    parsed = parse(text)
    assert calls(parsed) == [("get_weather", {"city": "Tokyo"})]
    assert parsed.content == "Let me check the weather for you."


@pytest.mark.parametrize(
    "text",
    [  # vLLM malformed_input_outputs (+ no_tool_calls_output)
        'functools[{"name": "func", "arguments": {',
        'functools[{"name": "func", "arguments": "not a dict"}]',
        'functools{"name": "func"}',
        'functools[{"name": "func"}]',
        "functools[] This is just text",
        "functools[ This is just text ]",
        "This is a regular response without any tool calls.",
    ],
)
def test_malformed_input_is_content(text):
    parsed = parse(text)
    assert parsed.tool_calls == [] and parsed.content == text
